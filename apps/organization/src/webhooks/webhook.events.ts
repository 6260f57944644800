import type { Sealed } from '../resources/secret-box';

/** one stream per organization holds its webhook endpoints (apart from the organization's own stream) */
export const webhooksStream = (organizationId: string) => `webhooks-${organizationId}`;
export const WEBHOOKS_STREAM_PREFIX = 'webhooks-';

/** who changed an endpoint: an Admin, or the delivery worker disabling an endpoint that keeps failing */
export type WebhookActor = { kind: 'user'; userId: string } | { kind: 'operator' } | { kind: 'system' };

export interface WebhookEndpointData {
  organizationId: string;
  endpointId: string;
  url: string;
  /** integration event types delivered to it (e.g. MemberAdded); empty means every type */
  eventTypes: string[];
  description: string;
}

export type WebhookEvent =
  | { type: 'WebhookEndpointRegistered'; data: WebhookEndpointData & { secret: Sealed; by: WebhookActor; at: string } }
  | {
      type: 'WebhookEndpointUpdated';
      data: { organizationId: string; endpointId: string; url: string; eventTypes: string[]; description: string; by: WebhookActor; at: string };
    }
  | { type: 'WebhookEndpointDisabled'; data: { organizationId: string; endpointId: string; reason: string; by: WebhookActor; at: string } }
  | { type: 'WebhookEndpointEnabled'; data: { organizationId: string; endpointId: string; by: WebhookActor; at: string } }
  | { type: 'WebhookEndpointDeleted'; data: { organizationId: string; endpointId: string; by: WebhookActor; at: string } }
  | { type: 'WebhookSecretRotated'; data: { organizationId: string; endpointId: string; secret: Sealed; by: WebhookActor; at: string } };

export const WEBHOOK_EVENT_TYPES: ReadonlySet<string> = new Set<WebhookEvent['type']>([
  'WebhookEndpointRegistered',
  'WebhookEndpointUpdated',
  'WebhookEndpointDisabled',
  'WebhookEndpointEnabled',
  'WebhookEndpointDeleted',
  'WebhookSecretRotated',
]);
