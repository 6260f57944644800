import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { REGIONS, Region, Role, ROLES } from '@lib/contracts';
import { TextField } from '@lib/platform';

/** one membership index entry, sent by the organization's region to the member's home region */
export class MembershipIndexEntryDto {
  @ApiProperty({ example: 'usr-us-01jz3k8q4m2n5p6r7s8t9v0w1x' })
  @IsString()
  @Matches(/^usr-[\w-]{1,64}$/, { message: 'userId is not a user id' })
  userId: string;

  @ApiProperty({ example: 'org-eu-01jz3k8q4m2n5p6r7s8t9v0w1x' })
  @IsString()
  @Matches(/^org-(us|eu|apac)-[0-9a-z]{26}$/, { message: 'organizationId is not an organization id' })
  organizationId: string;

  @TextField({ max: 200 })
  organizationName: string;

  @ApiProperty({ enum: REGIONS })
  @IsIn(REGIONS as unknown as string[])
  region: Region;

  @ApiProperty({ enum: ROLES, nullable: true, description: 'null: the user is no longer a member' })
  @ValidateIf((_, value) => value !== null)
  @IsIn(ROLES as unknown as string[])
  role: Role | null;

  @ApiProperty({ description: "the organization stream's revision this entry reflects" })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sourceRevision: number;
}
