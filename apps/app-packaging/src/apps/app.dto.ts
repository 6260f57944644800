import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { RESOURCE_KINDS } from '@lib/contracts';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class RequirementDto {
  @ApiProperty({ example: 'crm', pattern: '^[a-z][a-z0-9-]{0,62}$' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'slot must be lower-case letters, digits and dashes, starting with a letter' })
  slot: string;

  @ApiProperty({ enum: RESOURCE_KINDS })
  @IsIn(RESOURCE_KINDS as unknown as string[])
  kind: string;
}

export class CreateAppDto {
  @ApiProperty({ maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the app definition (JSON), size-limited' })
  @IsObject()
  definition: Record<string, unknown>;

  @ApiProperty({ type: [RequirementDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RequirementDto)
  requirements: RequirementDto[];
}

export class UpdateAppDto {
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
  definition?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [RequirementDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RequirementDto)
  requirements?: RequirementDto[];
}

export class BindSlotDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  resourceId: string;
}

export class BulkBindDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'slot → resource id' })
  @IsOptional()
  @IsObject()
  bindings?: Record<string, string>;

  @ApiPropertyOptional({ description: 'bind every slot to its best suggestion from the binding plan' })
  @IsOptional()
  @IsBoolean()
  useSuggestions?: boolean;
}

export class ImportQueryDto {
  @ApiPropertyOptional({ description: 'required to import a package exported in another region' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  acknowledgeCrossRegion?: boolean;
}
