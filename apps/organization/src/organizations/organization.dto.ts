import { EmailField } from '@lib/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { REGIONS, Region, Role, ROLES } from '@lib/contracts';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class AdminDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailField()
  email: string;
}

export class ProvisionOrganizationDto {
  @ApiProperty({ example: 'Acme Support', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
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
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;
}

export class SuspendOrganizationDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
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
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  userId: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  organizationId: string;

  @ApiProperty({ example: 'apps.publish' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  permission: string;
}
