import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '@lib/auth';
import { organizationEventSchemas } from '@lib/contracts';
import { DomainError } from '@lib/eventstore';
import { sortableId } from '@lib/platform';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { OrganizationConfig } from '../config';
import { OrganizationsService } from '../organizations/organizations.service';
import { SecretBox } from '../resources/secret-box';
import { OrganizationState } from '../organizations/organization.decider';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookCommand, WebhookEndpoint } from './webhook.decider';
import { WebhookActor } from './webhook.events';
import { WebhookRepository } from './webhook.repository';
import { checkWebhookUrl } from './webhook-url';
import { WebhookDeliveryStore } from './webhook-delivery.store';
import { CreateWebhookEndpointDto, UpdateWebhookEndpointDto } from './webhook.dto';

/** the integration event types an endpoint can subscribe to (the organization.events.v1 catalog) */
export const WEBHOOK_SUBSCRIBABLE_TYPES: readonly string[] = Object.keys(organizationEventSchemas);

type CommandBody = WebhookCommand extends infer C ? (C extends WebhookCommand ? Omit<C, 'at' | 'actor' | 'organizationId'> : never) : never;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** an Admin's webhook endpoints: ids, secrets and time are made here; the decider keeps the rules */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrganizationConfig,
    private readonly organizations: OrganizationsService,
    private readonly webhooks: WebhookRepository,
    private readonly secrets: SecretBox,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  private actorOf(principal: Principal): WebhookActor {
    if (principal.kind === 'user') return { kind: 'user', userId: principal.userId };
    if (principal.kind === 'operator') return { kind: 'operator' };
    return { kind: 'system' };
  }

  /** the organization exists here, and the principal may manage it (the guard asked the same; this is the authority) */
  private async admit(organizationId: string, principal: Principal) {
    const { state } = await this.organizations.read(organizationId, principal, 'organization.manage');
    return state;
  }

  private async command(organizationId: string, actor: WebhookActor, body: CommandBody) {
    const at = new Date().toISOString();
    const command = { ...body, organizationId, at, actor } as WebhookCommand;
    return this.webhooks.handle(organizationId, command, { at, actor: actor.kind === 'user' ? actor.userId : actor.kind });
  }

  private newSecret(state: OrganizationState) {
    if (!state.wrappedKey) throw new DomainError('not_found', 'organization not found', 'organization-not-found');
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    return { secret, sealed: this.secrets.sealFor(state.wrappedKey, secret) };
  }

  private checkTypes(eventTypes: string[] | undefined) {
    const unknown = (eventTypes ?? []).filter((t) => !WEBHOOK_SUBSCRIBABLE_TYPES.includes(t));
    if (unknown.length > 0) {
      throw new DomainError('unprocessable', `unknown event types: ${unknown.join(', ')}`, 'webhook-unknown-event-types', {
        unknown,
        known: WEBHOOK_SUBSCRIBABLE_TYPES,
      });
    }
  }

  view(organizationId: string, e: WebhookEndpoint) {
    const failingSince = this.deliveries.failingSince(e.endpointId);
    return {
      id: e.endpointId,
      organizationId,
      url: e.url,
      eventTypes: e.eventTypes,
      description: e.description,
      status: e.status,
      disabledReason: e.disabledReason,
      disabledAt: e.disabledAt,
      failingSince: failingSince === null ? null : new Date(failingSince).toISOString(),
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
  }

  async register(organizationId: string, principal: Principal, body: CreateWebhookEndpointDto) {
    const organization = await this.admit(organizationId, principal);
    const eventTypes = [...new Set(body.eventTypes ?? [])];
    this.checkTypes(eventTypes);
    await checkWebhookUrl(body.url, this.config.WEBHOOK_ALLOW_PRIVATE);
    const { secret, sealed } = this.newSecret(organization);
    const endpointId = `whe-${sortableId()}`;
    const result = await this.command(organizationId, this.actorOf(principal), {
      type: 'RegisterWebhookEndpoint',
      endpointId,
      url: body.url,
      eventTypes,
      description: body.description ?? '',
      secret: sealed,
    });
    // the secret is shown this once; afterwards it exists only sealed
    return { ...this.view(organizationId, result.state.endpoints.get(endpointId)!), secret };
  }

  async list(organizationId: string, principal: Principal) {
    await this.admit(organizationId, principal);
    const { state } = await this.webhooks.load(organizationId);
    return { items: [...state.endpoints.values()].map((e) => this.view(organizationId, e)) };
  }

  private async endpoint(organizationId: string, endpointId: string): Promise<WebhookEndpoint> {
    const { state } = await this.webhooks.load(organizationId);
    const endpoint = state.endpoints.get(endpointId);
    if (endpoint) return endpoint;
    if (state.deleted.has(endpointId)) throw new DomainError('gone', 'this webhook endpoint was deleted', 'webhook-endpoint-deleted');
    throw new DomainError('not_found', 'webhook endpoint not found', 'webhook-endpoint-not-found');
  }

  async get(organizationId: string, endpointId: string, principal: Principal) {
    await this.admit(organizationId, principal);
    return this.view(organizationId, await this.endpoint(organizationId, endpointId));
  }

  async update(organizationId: string, endpointId: string, principal: Principal, body: UpdateWebhookEndpointDto) {
    await this.admit(organizationId, principal);
    if (body.eventTypes) this.checkTypes(body.eventTypes);
    if (body.url !== undefined) await checkWebhookUrl(body.url, this.config.WEBHOOK_ALLOW_PRIVATE);
    const result = await this.command(organizationId, this.actorOf(principal), {
      type: 'UpdateWebhookEndpoint',
      endpointId,
      url: body.url,
      eventTypes: body.eventTypes ? [...new Set(body.eventTypes)] : undefined,
      description: body.description,
    });
    return this.view(organizationId, result.state.endpoints.get(endpointId)!);
  }

  async disable(organizationId: string, endpointId: string, principal: Principal, reason: string | undefined) {
    await this.admit(organizationId, principal);
    const result = await this.command(organizationId, this.actorOf(principal), {
      type: 'DisableWebhookEndpoint',
      endpointId,
      reason: reason?.trim() || 'disabled by an Admin',
    });
    return this.view(organizationId, result.state.endpoints.get(endpointId)!);
  }

  async enable(organizationId: string, endpointId: string, principal: Principal) {
    await this.admit(organizationId, principal);
    const result = await this.command(organizationId, this.actorOf(principal), { type: 'EnableWebhookEndpoint', endpointId });
    return this.view(organizationId, result.state.endpoints.get(endpointId)!);
  }

  async delete(organizationId: string, endpointId: string, principal: Principal) {
    await this.admit(organizationId, principal);
    await this.command(organizationId, this.actorOf(principal), { type: 'DeleteWebhookEndpoint', endpointId });
  }

  /** a new signing secret, shown once; deliveries sign with it from the next attempt on */
  async rotateSecret(organizationId: string, endpointId: string, principal: Principal) {
    const organization = await this.admit(organizationId, principal);
    await this.endpoint(organizationId, endpointId);
    const { secret, sealed } = this.newSecret(organization);
    const result = await this.command(organizationId, this.actorOf(principal), { type: 'RotateWebhookSecret', endpointId, secret: sealed });
    return { ...this.view(organizationId, result.state.endpoints.get(endpointId)!), secret };
  }

  async deliveriesOf(organizationId: string, endpointId: string, principal: Principal, limit: number, cursor?: string) {
    await this.admit(organizationId, principal);
    await this.endpoint(organizationId, endpointId);
    const rows = this.deliveries.deliveries(endpointId, limit + 1, cursorNumber(cursor));
    const items = rows.slice(0, limit).map((d) => ({
      id: String(d.seq),
      messageId: d.messageId,
      eventType: d.eventType,
      status: d.state,
      attempts: d.attempts,
      nextAttemptAt: d.state === 'pending' && d.nextAttemptAt !== null ? new Date(d.nextAttemptAt).toISOString() : null,
      lastResponseCode: d.lastStatusCode,
      lastError: d.lastError,
      createdAt: d.createdAt,
    }));
    return { items, nextCursor: rows.length > limit ? String(rows[limit - 1].seq) : null };
  }

  async attemptsOf(organizationId: string, endpointId: string, principal: Principal, limit: number, cursor?: string, deliveryId?: string) {
    await this.admit(organizationId, principal);
    await this.endpoint(organizationId, endpointId);
    const rows = this.deliveries.attempts(endpointId, limit + 1, cursorNumber(cursor), deliveryId === undefined ? undefined : cursorNumber(deliveryId));
    const items = rows.slice(0, limit).map((a) => ({
      id: String(a.id),
      deliveryId: String(a.deliverySeq),
      attemptedAt: a.attemptedAt,
      status: a.outcome,
      responseCode: a.statusCode,
      latencyMs: a.latencyMs,
      error: a.error,
      trigger: a.trigger,
    }));
    return { items, nextCursor: rows.length > limit ? String(rows[limit - 1].id) : null };
  }

  /** the delivery goes out again now (same `webhook-id`, so a receiver that has it can drop it) */
  async replay(organizationId: string, endpointId: string, deliveryId: string, principal: Principal) {
    await this.admit(organizationId, principal);
    await this.endpoint(organizationId, endpointId);
    const seq = cursorNumber(deliveryId);
    if (seq === undefined || !this.dispatcher.replay(endpointId, seq)) {
      throw new DomainError('not_found', 'delivery not found', 'webhook-delivery-not-found');
    }
    return { id: deliveryId, status: 'pending' as const };
  }
}

function cursorNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new DomainError('invalid', 'not a valid cursor or id', 'invalid-cursor');
  return Number(value);
}
