import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { RESOURCE_KINDS } from '@lib/contracts';
import { TextField } from '@lib/platform';
import { APP_NAME_MAX, MAX_REQUIREMENTS, SLOT_PATTERN, SLOT_RULE } from './app-rules';

export class RequirementDto {
  @ApiProperty({ example: 'crm', pattern: SLOT_PATTERN.source })
  @IsString()
  @Matches(SLOT_PATTERN, { message: SLOT_RULE })
  slot: string;

  @ApiProperty({ enum: RESOURCE_KINDS })
  @IsIn(RESOURCE_KINDS as unknown as string[])
  kind: string;
}

export class CreateAppDto {
  @TextField({ max: APP_NAME_MAX, trim: true, notEmpty: true })
  name: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the app definition (JSON), size-limited' })
  @IsObject()
  definition: Record<string, unknown>;

  @ApiProperty({ type: [RequirementDto] })
  @IsArray()
  @ArrayMaxSize(MAX_REQUIREMENTS)
  @ValidateNested({ each: true })
  @Type(() => RequirementDto)
  requirements: RequirementDto[];
}

export class UpdateAppDto {
  @TextField({ max: APP_NAME_MAX, optional: true, trim: true, notEmpty: true })
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  definition?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [RequirementDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_REQUIREMENTS)
  @ValidateNested({ each: true })
  @Type(() => RequirementDto)
  requirements?: RequirementDto[];
}

export class BindSlotDto {
  @TextField({ max: 100, notEmpty: true })
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

const queryBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ImportQueryDto {
  @ApiPropertyOptional({ description: 'required to import a package exported in another region' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  acknowledgeCrossRegion?: boolean;

  @ApiPropertyOptional({ description: 'accept a package that is unsigned or signed by a key this stack does not trust; its versions then say "unverified origin"' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  allowUnsigned?: boolean;

  @ApiPropertyOptional({ enum: ['upgrade'], description: 'make the package the next version of the app with the same app key in this organization' })
  @IsOptional()
  @IsIn(['upgrade'])
  mode?: 'upgrade';

  @ApiPropertyOptional({ description: 'publish in the same call (every slot must end up validly bound)' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  publish?: boolean;
}

export class PublishDto {
  @ApiPropertyOptional({ description: 'the version to publish (default: the current one)', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class RollBackDto {
  @ApiProperty({ description: 'the earlier version whose content becomes a new version', minimum: 1 })
  @IsInt()
  @Min(1)
  version: number;
}
