import { join } from 'node:path';
import { deadLetterLogger, logger, metrics, observedBatchHandler, observedEventStore, onScrape } from '@lib/platform';
import { AggregateRepository, EventStore, ReadModelDatabase, createEventStore } from '@lib/eventstore';
import { consumeBatches, MessageBus, OutboxRelay } from '@lib/messaging';
import { inProcessKeySet } from '@lib/auth';
import { ORGANIZATION_EVENTS_TOPIC, OrganizationIntegrationEvent } from '@lib/contracts';
import { IdentityConfig } from './config';
import { UserCommand, userDecider, UserEvent, UserState, userStream } from './users/user.decider';
import {
  InvitationsCommand,
  invitationsDecider,
  InvitationsEvent,
  InvitationsState,
  invitationsStream,
  KnownOrganizationCommand,
  knownOrganizationDecider,
  KnownOrganizationEvent,
  KnownOrganizationState,
  knownOrganizationStream,
} from './directory/directory.decider';
import { SessionCommand, sessionDecider, SessionEvent, SessionState, sessionStream } from './sessions/session.decider';
import { SigningKeys } from './keys/signing-keys';
import { toIntegrationMessage } from './users/user.integration';
import { handleOrganizationBatch, parseOrganizationMessage } from './directory/organization.consumer';

export const IDENTITY_RUNTIME = Symbol('IDENTITY_RUNTIME');

/** everything identity owns: its store, signing keys, outbox relay and consumer of organization events */
export class IdentityRuntime {
  readonly users: AggregateRepository<UserCommand, UserEvent, UserState>;
  readonly organizations: AggregateRepository<KnownOrganizationCommand, KnownOrganizationEvent, KnownOrganizationState>;
  readonly invitations: AggregateRepository<InvitationsCommand, InvitationsEvent, InvitationsState>;
  readonly sessions: AggregateRepository<SessionCommand, SessionEvent, SessionState>;
  readonly relay: OutboxRelay;
  private started = false;
  private readonly recordBatch = observedBatchHandler('identity', ORGANIZATION_EVENTS_TOPIC, (events: OrganizationIntegrationEvent[]) =>
    handleOrganizationBatch(this, this.store, events),
  );

  constructor(
    readonly config: IdentityConfig,
    readonly store: EventStore,
    readonly readModels: ReadModelDatabase,
    readonly bus: MessageBus,
    readonly keys: SigningKeys,
    readonly operatorToken: string,
  ) {
    this.users = new AggregateRepository(store, userDecider, userStream, { cacheSize: 50_000 });
    this.organizations = new AggregateRepository(store, knownOrganizationDecider, knownOrganizationStream, { cacheSize: 20_000 });
    this.invitations = new AggregateRepository(store, invitationsDecider, invitationsStream, { cacheSize: 10_000 });
    this.sessions = new AggregateRepository(store, sessionDecider, sessionStream, { cacheSize: 50_000 });
    this.relay = new OutboxRelay({
      name: 'identity',
      store,
      bus,
      checkpoints: readModels,
      toMessage: toIntegrationMessage,
      onError: (e) => logger('identity').warn({ err: (e as Error).message }, 'relay: publishing failed; retrying from its checkpoint'),
    });
  }

  static async open(config: IdentityConfig, bus: MessageBus, operatorToken: string) {
    const dir = join(config.DATA_DIR, 'identity');
    const store = observedEventStore(createEventStore(config, join(dir, 'events.sqlite')), 'identity');
    const readModels = new ReadModelDatabase(join(dir, 'read-models.sqlite'));
    const keys = await new SigningKeys(config.SIGNING_KEYS_DIR ?? join(dir, 'keys')).load();
    return new IdentityRuntime(config, store, readModels, bus, keys, operatorToken);
  }

  async start() {
    if (this.started) return;
    this.started = true;
    inProcessKeySet.publish(this.keys.jwks());
    await consumeBatches({
      bus: this.bus,
      topic: ORGANIZATION_EVENTS_TOPIC,
      group: 'identity',
      parse: parseOrganizationMessage,
      handleBatch: (items) => this.recordBatch(items.map((i) => i.value)),
      onDeadLetter: deadLetterLogger('identity', ORGANIZATION_EVENTS_TOPIC),
    });
  }

  /** publishing starts once every consumer in the process has subscribed */
  startRelay() {
    this.relay.start();
    onScrape(async () => {
      if (!this.started) return;
      metrics.relayLag.labels('identity').set(await this.relay.lag());
      metrics.headPosition.labels('identity').set(await this.store.headPosition());
    });
  }

  /**
   * Graceful stop (SIGTERM): publish what the log still holds, stop the relay, stop consuming (in-flight
   * handlers finish and their offsets are committed), then close the read models and the store.
   */
  async stop() {
    if (!this.started) return;
    this.started = false;
    await this.relay.flush(3000).catch(() => undefined);
    await this.relay.stop();
    if (this.config.BUS === 'kafka') await this.bus.close();
    await this.store.close();
    this.readModels.close();
  }
}
