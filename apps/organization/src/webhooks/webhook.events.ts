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

const WEBHOOK_ACTIONS: Record<WebhookEvent['type'], string> = {
  WebhookEndpointRegistered: 'webhook.registered',
  WebhookEndpointUpdated: 'webhook.updated',
  WebhookEndpointDisabled: 'webhook.disabled',
  WebhookEndpointEnabled: 'webhook.enabled',
  WebhookEndpointDeleted: 'webhook.deleted',
  WebhookSecretRotated: 'webhook.secret_rotated',
};

const actorName = (by: WebhookActor) => (by.kind === 'user' ? by.userId : by.kind);

/**
 * The audit entry of an endpoint's configuration change: who (the Admin, the operator, or `system` when the
 * delivery worker disabled a failing endpoint), what, and the new settings. Secrets never appear (sealed or not).
 */
export function describeWebhookEvent(event: WebhookEvent) {
  const { organizationId, endpointId, by, at } = event.data;
  const base = { organizationId, at, actor: actorName(by), action: WEBHOOK_ACTIONS[event.type], subject: `webhook:${endpointId}` };
  switch (event.type) {
    case 'WebhookEndpointRegistered':
    case 'WebhookEndpointUpdated':
      return { ...base, details: { url: event.data.url, eventTypes: event.data.eventTypes, description: event.data.description } };
    case 'WebhookEndpointDisabled':
      return { ...base, details: { reason: event.data.reason } };
    case 'WebhookEndpointEnabled':
    case 'WebhookEndpointDeleted':
    case 'WebhookSecretRotated':
      return { ...base, details: {} };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
