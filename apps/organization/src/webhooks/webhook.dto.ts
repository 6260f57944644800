import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { organizationEventSchemas } from '@lib/contracts';
import { EnumListField, TextField } from '@lib/platform';
import { PageQueryDto } from '../organizations/organization.dto';
import { MAX_WEBHOOK_URL_LENGTH } from './webhook-url';

const EVENT_TYPES = Object.keys(organizationEventSchemas);

export class CreateWebhookEndpointDto {
  @TextField({
    max: MAX_WEBHOOK_URL_LENGTH,
    api: { description: 'http(s) URL receiving the deliveries; public addresses only unless WEBHOOK_ALLOW_PRIVATE=true' },
  })
  url: string;

  @EnumListField(EVENT_TYPES, { optional: true, description: 'organization.events.v1 types to deliver; empty or absent means every type' })
  eventTypes?: string[];

  @TextField({ max: 500, optional: true, trim: true })
  description?: string;
}

export class UpdateWebhookEndpointDto {
  @TextField({ max: MAX_WEBHOOK_URL_LENGTH, optional: true })
  url?: string;

  @EnumListField(EVENT_TYPES, { optional: true })
  eventTypes?: string[];

  @TextField({ max: 500, optional: true, trim: true })
  description?: string;
}

export class DisableWebhookEndpointDto {
  @TextField({ max: 500, optional: true, trim: true, api: { description: 'shown to Admins next to the endpoint' } })
  reason?: string;
}

export class WebhookAttemptsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'only the attempts of this delivery' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,15}$/)
  deliveryId?: string;
}
