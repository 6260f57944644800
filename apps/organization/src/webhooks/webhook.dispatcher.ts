import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { Envelope } from '@lib/contracts';
import { CheckpointedProcessor, createRelayLeadership, EventStore, ReadModelDatabase, RecordedEvent } from '@lib/eventstore';
import type { RelayLeadership } from '@lib/messaging';
import { logger } from '@lib/platform';
import { EVENT_STORE, READ_MODELS, SERVICE_CONFIG } from '@lib/service-kit';
import { OrganizationConfig } from '../config';
import { OrganizationRepository } from '../organizations/organization.repository';
import { toIntegrationMessage } from '../organizations/organization.integration';
import { SecretBox } from '../resources/secret-box';
import { WebhookEvent, WEBHOOKS_STREAM_PREFIX } from './webhook.events';
import { WebhookRepository } from './webhook.repository';
import { DeliveryRow, WebhookDeliveryStore, WebhookTarget } from './webhook-delivery.store';
import { sendWebhook } from './webhook-sender';
import { Resolver } from './webhook-url';

/** the worker's checkpoint in the read-model database, and its lease among replicas */
export const WEBHOOK_CHECKPOINT = 'webhooks:delivery';

interface Lane {
  stopped: boolean;
  wake: () => void;
  timer: NodeJS.Timeout | null;
  running: Promise<void>;
}

/** the JSON body of a delivery (Standard Webhooks' suggested shape: type, timestamp, data) */
export function webhookPayload(envelope: Envelope) {
  return JSON.stringify({
    type: envelope.type,
    timestamp: envelope.occurredAt,
    eventId: envelope.id,
    organizationId: envelope.subject,
    data: envelope.data,
  });
}

/**
 * Webhooks out. A checkpointed reader of the organization service's log turns every integration event into
 * the deliveries it owes (one per subscribed active endpoint, in one transaction with its checkpoint); one
 * lane per endpoint sends them in log order, one at a time, signed per Standard Webhooks. A failed attempt is
 * retried on the configured schedule (about a day by default) while later deliveries go on; an endpoint that
 * has failed for WEBHOOK_DISABLE_AFTER_SECONDS is disabled with the reason. Several replicas on PostgreSQL:
 * only the holder of the `webhooks:delivery` lease reads and sends.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = logger('organization');
  private readonly processor: CheckpointedProcessor;
  private readonly lanes = new Map<string, Lane>();
  private readonly signers = new Map<string, { ciphertext: string; webhook: Webhook }>();
  private readonly leadership: RelayLeadership & { close?: () => Promise<void> } | undefined;
  private stopped = true;
  private delivering = false;
  private campaignTimer: NodeJS.Timeout | null = null;
  /** tests: a resolver standing in for DNS (the SSRF checks still judge what it answers) */
  resolver?: Resolver;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrganizationConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly organizations: OrganizationRepository,
    private readonly webhooks: WebhookRepository,
    private readonly secrets: SecretBox,
  ) {
    this.processor = new CheckpointedProcessor({
      name: WEBHOOK_CHECKPOINT,
      store,
      checkpoint: () => this.position,
      handle: (events) => this.enqueue(events),
      batchSize: 500,
      onError: (error) => this.log.warn({ err: (error as Error).message }, 'webhooks: reading the log failed; restarting from the checkpoint'),
    });
    this.leadership = createRelayLeadership(config, 'organization');
  }

  get position(): number {
    return this.readModels.checkpoint(WEBHOOK_CHECKPOINT)?.position ?? 0;
  }

  /** true when this process delivers */
  get isDelivering() {
    return this.delivering;
  }

  onApplicationBootstrap() {
    this.stopped = false;
    if (!this.leadership) return this.takeOver();
    this.leadership.onLost((name) => {
      if (name !== WEBHOOK_CHECKPOINT) return;
      void this.stepDown().then(() => {
        if (!this.stopped) this.campaignTimer = setTimeout(() => void this.campaign(), 1000);
      });
    });
    void this.campaign();
  }

  private async campaign() {
    while (!this.stopped) {
      try {
        if (await this.leadership!.tryAcquire(WEBHOOK_CHECKPOINT)) {
          if (this.stopped) return void (await this.leadership!.release(WEBHOOK_CHECKPOINT));
          return this.takeOver();
        }
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'webhooks: could not ask for the delivery lease');
      }
      await new Promise<void>((resolve) => (this.campaignTimer = setTimeout(resolve, 1000)));
    }
  }

  private takeOver() {
    this.delivering = true;
    this.processor.start();
    for (const target of this.deliveries.activeTargets()) this.lane(target.endpointId);
  }

  private async stepDown() {
    this.delivering = false;
    await this.processor.stop();
    const lanes = [...this.lanes.values()];
    for (const lane of lanes) {
      lane.stopped = true;
      lane.wake();
    }
    await Promise.all(lanes.map((l) => l.running));
  }

  async onModuleDestroy() {
    this.stopped = true;
    if (this.campaignTimer) clearTimeout(this.campaignTimer);
    await this.stepDown();
    if (this.leadership) {
      await this.leadership.release(WEBHOOK_CHECKPOINT).catch(() => undefined);
      await this.leadership.close?.();
    }
  }

  /** an Admin's replay: due now, and the endpoint's lane woken */
  replay(endpointId: string, seq: number): boolean {
    const done = this.deliveries.replay(endpointId, seq, Date.now());
    if (done && this.delivering) this.lane(endpointId);
    return done;
  }

  /** the deliveries a batch of the log owes, enqueued with the checkpoint in one transaction */
  private enqueue(events: RecordedEvent[]) {
    const now = Date.now();
    const maxAgeMs = this.config.WEBHOOK_MAX_EVENT_AGE_SECONDS * 1000;
    const woken = new Set<string>();
    this.readModels.db.transaction(() => {
      for (const event of events) {
        if (event.streamName.startsWith(WEBHOOKS_STREAM_PREFIX)) {
          this.fold({ type: event.type, data: event.data } as WebhookEvent, woken);
          continue;
        }
        const message = toIntegrationMessage(event);
        if (!message) continue;
        const envelope = JSON.parse(message.value) as Envelope;
        if (now - Date.parse(envelope.occurredAt) > maxAgeMs) continue;
        let payload: string | null = null;
        for (const target of this.deliveries.targetsOf(envelope.subject)) {
          if (target.status !== 'active' || (target.eventTypes.length > 0 && !target.eventTypes.includes(envelope.type))) continue;
          payload ??= webhookPayload(envelope);
          this.deliveries.enqueue({
            endpointId: target.endpointId,
            organizationId: target.organizationId,
            messageId: `msg_${envelope.id}`,
            eventType: envelope.type,
            payload,
            position: event.position,
            now,
          });
          woken.add(target.endpointId);
        }
      }
      this.readModels.saveCheckpoint(WEBHOOK_CHECKPOINT, events[events.length - 1].position);
    })();
    if (this.delivering) for (const endpointId of woken) this.lane(endpointId);
  }

  /** the worker's own view of the endpoints, at its position in the log */
  private fold(event: WebhookEvent, woken: Set<string>) {
    const d = event.data;
    switch (event.type) {
      case 'WebhookEndpointRegistered':
        this.deliveries.upsertTarget({
          endpointId: d.endpointId,
          organizationId: d.organizationId,
          url: event.data.url,
          eventTypes: event.data.eventTypes,
          status: 'active',
          secret: event.data.secret,
        });
        return;
      case 'WebhookEndpointUpdated': {
        const target = this.deliveries.target(d.endpointId);
        if (target) this.deliveries.upsertTarget({ ...target, url: event.data.url, eventTypes: event.data.eventTypes });
        return;
      }
      case 'WebhookSecretRotated': {
        const target = this.deliveries.target(d.endpointId);
        if (target) this.deliveries.upsertTarget({ ...target, secret: event.data.secret });
        return;
      }
      case 'WebhookEndpointDisabled':
        this.deliveries.setTargetStatus(d.endpointId, 'disabled');
        return;
      case 'WebhookEndpointEnabled':
        this.deliveries.setTargetStatus(d.endpointId, 'active');
        woken.add(d.endpointId);
        return;
      case 'WebhookEndpointDeleted':
        this.deliveries.removeTarget(d.endpointId);
        this.signers.delete(d.endpointId);
        return;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }

  /** starts the endpoint's lane, or wakes it when it is waiting */
  private lane(endpointId: string) {
    const existing = this.lanes.get(endpointId);
    if (existing && !existing.stopped) return existing.wake();
    const lane: Lane = { stopped: false, wake: () => undefined, timer: null, running: Promise.resolve() };
    this.lanes.set(endpointId, lane);
    lane.running = this.runLane(endpointId, lane)
      .catch((error: unknown) => this.log.error({ err: (error as Error).message, endpointId }, 'webhooks: a delivery lane stopped'))
      .finally(() => {
        if (this.lanes.get(endpointId) === lane) this.lanes.delete(endpointId);
      });
  }

  private async runLane(endpointId: string, lane: Lane) {
    while (!lane.stopped && this.delivering) {
      const target = this.deliveries.target(endpointId);
      if (!target || target.status !== 'active') return;
      const now = Date.now();
      const due = this.deliveries.nextDue(endpointId, now);
      if (!due) {
        const at = this.deliveries.nextDueAt(endpointId);
        // nothing owed: the lane ends (a new delivery starts it again); a retry later: sleep until then
        if (at === null) return;
        await this.sleep(lane, Math.min(60_000, Math.max(1, at - now)));
        continue;
      }
      await this.attempt(target, due);
    }
  }

  private sleep(lane: Lane, ms: number) {
    return new Promise<void>((resolve) => {
      lane.timer = setTimeout(() => lane.wake(), ms);
      lane.wake = () => {
        if (lane.timer) clearTimeout(lane.timer);
        lane.timer = null;
        lane.wake = () => undefined;
        resolve();
      };
    });
  }

  private async signer(target: WebhookTarget): Promise<Webhook> {
    const cached = this.signers.get(target.endpointId);
    if (cached && cached.ciphertext === target.secret.ciphertext) return cached.webhook;
    const { state } = await this.organizations.load(target.organizationId);
    if (!state.wrappedKey) throw new Error(`organization ${target.organizationId} has no data key`);
    const webhook = new Webhook(this.secrets.openFor(state.wrappedKey, target.secret));
    this.signers.set(target.endpointId, { ciphertext: target.secret.ciphertext, webhook });
    return webhook;
  }

  private async attempt(target: WebhookTarget, delivery: DeliveryRow) {
    const signer = await this.signer(target);
    const at = new Date();
    const headers = {
      'webhook-id': delivery.messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(delivery.messageId, at, delivery.payload),
    };
    const result = await sendWebhook(target.url, headers, delivery.payload, {
      allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: this.config.WEBHOOK_MAX_RESPONSE_BYTES,
      resolve: this.resolver,
    });
    const finished = Date.now();
    const schedule = this.config.WEBHOOK_RETRY_SCHEDULE_SECONDS;
    const attempts = delivery.attempts + 1;
    const next = result.ok
      ? { state: 'succeeded' as const, nextAttemptAt: null }
      : attempts <= schedule.length
        ? { state: 'pending' as const, nextAttemptAt: finished + schedule[attempts - 1] * 1000 }
        : { state: 'failed' as const, nextAttemptAt: null };
    this.deliveries.recordAttempt(
      delivery,
      { at: at.getTime(), ok: result.ok, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, trigger: delivery.trigger },
      next,
    );
    if (result.ok) return;
    const since = this.deliveries.failingSince(target.endpointId);
    if (since !== null && finished - since >= this.config.WEBHOOK_DISABLE_AFTER_SECONDS * 1000) {
      const reason = `every delivery attempt failed since ${new Date(since).toISOString()} (last: ${result.error ?? 'no answer'})`;
      this.deliveries.setTargetStatus(target.endpointId, 'disabled'); // stop now; the event below says so durably
      await this.webhooks
        .handle(
          target.organizationId,
          { type: 'DisableWebhookEndpoint', organizationId: target.organizationId, endpointId: target.endpointId, reason, at: new Date(finished).toISOString(), actor: { kind: 'system' } },
          { at: new Date(finished).toISOString(), actor: 'system' },
        )
        .catch((error: unknown) => this.log.error({ err: (error as Error).message, endpointId: target.endpointId }, 'webhooks: could not disable a failing endpoint'));
      this.log.warn({ endpointId: target.endpointId, reason }, 'webhooks: endpoint disabled after failing too long');
    }
  }
}
