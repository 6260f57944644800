import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../organizations/organization.dto';

/** filters of the audit trail; every one optional, all of them combined with AND */
export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'an action (`member.role_changed`), or a prefix ending in `.*` (`app.*`)', example: 'app.*' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/, { message: 'action must be a dotted lower-case name, optionally ending in .*' })
  action?: string;

  @ApiPropertyOptional({ description: 'who did it: a user id, `operator`, or `system:<name>`' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ description: 'what it was done to, `kind:id`', example: 'user:u-123' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  subject?: string;

  @ApiPropertyOptional({ description: 'entries at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'entries before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
