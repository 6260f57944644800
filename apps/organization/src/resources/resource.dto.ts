import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { INTEGRATION_KINDS } from '@lib/contracts';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** a non-secret JSON object of at most 16 KiB */
@ValidatorConstraint({ name: 'smallJson' })
class SmallJson implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'object' && value !== null && !Array.isArray(value) && JSON.stringify(value).length <= 16 * 1024;
  }
  defaultMessage() {
    return 'config must be a JSON object of at most 16 KiB';
  }
}

export class CreateIntegrationDto {
  @ApiProperty({ maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: INTEGRATION_KINDS })
  @IsIn(INTEGRATION_KINDS as unknown as string[])
  kind: string;

  @ApiPropertyOptional({ description: 'non-secret settings', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @Validate(SmallJson)
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ writeOnly: true, description: 'stored encrypted, never returned', maxLength: 4096 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  secret?: string;
}

export class UpdateIntegrationDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @Validate(SmallJson)
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ writeOnly: true, maxLength: 4096 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  secret?: string;
}

const CAPABILITIES = ['sms', 'voice'];

export class CreatePhoneNumberDto {
  @ApiProperty({ example: '+14155550100', description: 'E.164' })
  @IsString()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'number must be in E.164 format, e.g. +14155550100' })
  number: string;

  @ApiProperty({ enum: ['twilio'] })
  @IsIn(['twilio'])
  provider: string;

  @ApiProperty({ enum: CAPABILITIES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  capabilities: string[];

  @ApiPropertyOptional({ maxLength: 100, description: 'defaults to the number' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;
}

export class UpdatePhoneNumberDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ enum: CAPABILITIES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  capabilities?: string[];
}
