import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { organizationEventSchemas } from '@lib/contracts';
import { PageQueryDto } from '../organizations/organization.dto';
import { MAX_WEBHOOK_URL_LENGTH } from './webhook-url';

const EVENT_TYPES = Object.keys(organizationEventSchemas);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateWebhookEndpointDto {
  @ApiProperty({ description: 'http(s) URL receiving the deliveries; public addresses only unless WEBHOOK_ALLOW_PRIVATE=true', maxLength: MAX_WEBHOOK_URL_LENGTH })
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url: string;

  @ApiPropertyOptional({ description: 'organization.events.v1 types to deliver; empty or absent means every type', enum: EVENT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: MAX_WEBHOOK_URL_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url?: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class DisableWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: 500, description: 'shown to Admins next to the endpoint' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class WebhookAttemptsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'only the attempts of this delivery' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,15}$/)
  deliveryId?: string;
}
