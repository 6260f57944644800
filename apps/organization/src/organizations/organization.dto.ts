import { EmailField, TextField } from '@lib/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { REGIONS, Region, Role, ROLES } from '@lib/contracts';

export class AdminDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailField()
  email: string;
}

export class ProvisionOrganizationDto {
  @TextField({ max: 100, trim: true, notEmpty: true, api: { example: 'Acme Support', minLength: 1 } })
  name: string;

  @ApiProperty({ enum: REGIONS })
  @IsIn(REGIONS as unknown as string[])
  region: Region;

  @ApiProperty({ type: AdminDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AdminDto)
  admin: AdminDto;
}

export class RenameOrganizationDto {
  @TextField({ max: 100, trim: true, notEmpty: true, api: { minLength: 1 } })
  name: string;
}

export class SuspendOrganizationDto {
  @TextField({ max: 500, optional: true })
  reason?: string;
}

export class InviteMemberDto {
  @ApiProperty()
  @EmailField()
  email: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES as unknown as string[])
  role: Role;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES as unknown as string[])
  role: Role;
}

export class PageQueryDto {
  @ApiPropertyOptional({ description: 'opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[\w.:-]+$/)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class AuthzCheckDto {
  @TextField({ max: 100, notEmpty: true })
  userId: string;

  @TextField({ max: 100, notEmpty: true })
  organizationId: string;

  @TextField({ max: 100, notEmpty: true, api: { example: 'apps.publish' } })
  permission: string;
}
