import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { INTEGRATION_KINDS } from '@lib/contracts';
import { EnumListField, TextField } from '@lib/platform';

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
  @TextField({ max: 100, trim: true, notEmpty: true })
  name: string;

  @ApiProperty({ enum: INTEGRATION_KINDS })
  @IsIn(INTEGRATION_KINDS as unknown as string[])
  kind: string;

  @ApiPropertyOptional({ description: 'non-secret settings', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @Validate(SmallJson)
  config?: Record<string, unknown>;

  @TextField({ max: 4096, optional: true, notEmpty: true, api: { writeOnly: true, description: 'stored encrypted, never returned' } })
  secret?: string;
}

export class UpdateIntegrationDto {
  @TextField({ max: 100, optional: true, trim: true, notEmpty: true })
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @Validate(SmallJson)
  config?: Record<string, unknown>;

  @TextField({ max: 4096, optional: true, notEmpty: true, api: { writeOnly: true } })
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

  @EnumListField(CAPABILITIES, { min: 1, unique: true })
  capabilities: string[];

  @TextField({ max: 100, optional: true, trim: true, notEmpty: true, api: { description: 'defaults to the number' } })
  name?: string;
}

export class UpdatePhoneNumberDto {
  @TextField({ max: 100, optional: true, trim: true, notEmpty: true })
  name?: string;

  @EnumListField(CAPABILITIES, { optional: true, min: 1, unique: true })
  capabilities?: string[];
}
