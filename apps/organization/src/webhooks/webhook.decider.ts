import { assertNever, Decider, DomainError } from '@lib/eventstore';
import type { Sealed } from '../resources/secret-box';
import { WebhookActor, WebhookEvent } from './webhook.events';

/** endpoints per organization (deleted ones do not count) */
export const MAX_WEBHOOK_ENDPOINTS = 20;

export interface WebhookEndpoint {
  endpointId: string;
  url: string;
  eventTypes: string[];
  description: string;
  status: 'active' | 'disabled';
  /** why it is disabled (an Admin's reason or the delivery worker's) */
  disabledReason: string | null;
  disabledAt: string | null;
  secret: Sealed;
  createdAt: string;
  updatedAt: string;
}

export interface WebhooksState {
  organizationId: string | null;
  endpoints: Map<string, WebhookEndpoint>;
  deleted: Set<string>;
}

export type WebhookCommand = { at: string; actor: WebhookActor; organizationId: string } & (
  | { type: 'RegisterWebhookEndpoint'; endpointId: string; url: string; eventTypes: string[]; description: string; secret: Sealed }
  | { type: 'UpdateWebhookEndpoint'; endpointId: string; url?: string; eventTypes?: string[]; description?: string }
  | { type: 'DisableWebhookEndpoint'; endpointId: string; reason: string }
  | { type: 'EnableWebhookEndpoint'; endpointId: string }
  | { type: 'DeleteWebhookEndpoint'; endpointId: string }
  | { type: 'RotateWebhookSecret'; endpointId: string; secret: Sealed }
);

function existing(state: WebhooksState, endpointId: string): WebhookEndpoint {
  const endpoint = state.endpoints.get(endpointId);
  if (endpoint) return endpoint;
  if (state.deleted.has(endpointId)) throw new DomainError('gone', 'this webhook endpoint was deleted', 'webhook-endpoint-deleted');
  throw new DomainError('not_found', 'webhook endpoint not found', 'webhook-endpoint-not-found');
}

const sameTypes = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

export const webhookDecider: Decider<WebhookCommand, WebhookEvent, WebhooksState> = {
  initialState: () => ({ organizationId: null, endpoints: new Map(), deleted: new Set() }),

  decide(command, state) {
    const { organizationId, actor: by, at } = command;
    switch (command.type) {
      case 'RegisterWebhookEndpoint': {
        if (state.endpoints.has(command.endpointId) || state.deleted.has(command.endpointId)) {
          throw new DomainError('conflict', 'a webhook endpoint with this id exists', 'webhook-endpoint-exists');
        }
        if (state.endpoints.size >= MAX_WEBHOOK_ENDPOINTS) {
          throw new DomainError('unprocessable', `an organization has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`, 'webhook-endpoint-limit', {
            limit: MAX_WEBHOOK_ENDPOINTS,
          });
        }
        const { endpointId, url, eventTypes, description, secret } = command;
        return [{ type: 'WebhookEndpointRegistered', data: { organizationId, endpointId, url, eventTypes, description, secret, by, at } }];
      }
      case 'UpdateWebhookEndpoint': {
        const endpoint = existing(state, command.endpointId);
        const next = {
          url: command.url ?? endpoint.url,
          eventTypes: command.eventTypes ?? endpoint.eventTypes,
          description: command.description ?? endpoint.description,
        };
        if (next.url === endpoint.url && sameTypes(next.eventTypes, endpoint.eventTypes) && next.description === endpoint.description) return [];
        return [{ type: 'WebhookEndpointUpdated', data: { organizationId, endpointId: endpoint.endpointId, ...next, by, at } }];
      }
      case 'DisableWebhookEndpoint': {
        const endpoint = existing(state, command.endpointId);
        if (endpoint.status === 'disabled') return [];
        return [{ type: 'WebhookEndpointDisabled', data: { organizationId, endpointId: endpoint.endpointId, reason: command.reason, by, at } }];
      }
      case 'EnableWebhookEndpoint': {
        const endpoint = existing(state, command.endpointId);
        if (endpoint.status === 'active') return [];
        return [{ type: 'WebhookEndpointEnabled', data: { organizationId, endpointId: endpoint.endpointId, by, at } }];
      }
      case 'DeleteWebhookEndpoint': {
        const endpoint = existing(state, command.endpointId);
        return [{ type: 'WebhookEndpointDeleted', data: { organizationId, endpointId: endpoint.endpointId, by, at } }];
      }
      case 'RotateWebhookSecret': {
        const endpoint = existing(state, command.endpointId);
        return [{ type: 'WebhookSecretRotated', data: { organizationId, endpointId: endpoint.endpointId, secret: command.secret, by, at } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    state.organizationId ??= event.data.organizationId;
    switch (event.type) {
      case 'WebhookEndpointRegistered': {
        const { endpointId, url, eventTypes, description, secret } = event.data;
        state.endpoints.set(endpointId, {
          endpointId,
          url,
          eventTypes,
          description,
          secret,
          status: 'active',
          disabledReason: null,
          disabledAt: null,
          createdAt: event.data.at,
          updatedAt: event.data.at,
        });
        return state;
      }
      case 'WebhookEndpointUpdated': {
        const endpoint = state.endpoints.get(event.data.endpointId)!;
        Object.assign(endpoint, { url: event.data.url, eventTypes: event.data.eventTypes, description: event.data.description, updatedAt: event.data.at });
        return state;
      }
      case 'WebhookEndpointDisabled':
        Object.assign(state.endpoints.get(event.data.endpointId)!, { status: 'disabled', disabledReason: event.data.reason, disabledAt: event.data.at, updatedAt: event.data.at });
        return state;
      case 'WebhookEndpointEnabled':
        Object.assign(state.endpoints.get(event.data.endpointId)!, { status: 'active', disabledReason: null, disabledAt: null, updatedAt: event.data.at });
        return state;
      case 'WebhookEndpointDeleted':
        state.endpoints.delete(event.data.endpointId);
        state.deleted.add(event.data.endpointId);
        return state;
      case 'WebhookSecretRotated':
        Object.assign(state.endpoints.get(event.data.endpointId)!, { secret: event.data.secret, updatedAt: event.data.at });
        return state;
      default:
        return assertNever(event);
    }
  },
};
