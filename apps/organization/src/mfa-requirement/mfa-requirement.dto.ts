import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

export class MfaRequirementDto {
  @ApiProperty({ description: 'true: members must sign in with a second factor to work in the organization' })
  @IsBoolean()
  required: boolean;
}
