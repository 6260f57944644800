import { join } from 'node:path';
import { AggregateRepository, EventStore, ReadModelDatabase, createEventStore } from '@lib/eventstore';
import { consume, MessageBus, OutboxRelay } from '@lib/messaging';
import { inProcessKeySet } from '@lib/auth';
import { ORGANIZATION_EVENTS_TOPIC } from '@lib/contracts';
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
import { handleOrganizationMessage, parseOrganizationMessage } from './directory/organization.consumer';

export const IDENTITY_RUNTIME = Symbol('IDENTITY_RUNTIME');

/** everything identity owns: its store, signing keys, outbox relay and consumer of organization events */
export class IdentityRuntime {
  readonly users: AggregateRepository<UserCommand, UserEvent, UserState>;
  readonly organizations: AggregateRepository<KnownOrganizationCommand, KnownOrganizationEvent, KnownOrganizationState>;
  readonly invitations: AggregateRepository<InvitationsCommand, InvitationsEvent, InvitationsState>;
  readonly sessions: AggregateRepository<SessionCommand, SessionEvent, SessionState>;
  readonly relay: OutboxRelay;
  private started = false;

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
      onError: (e) => console.error('identity relay', (e as Error).message),
    });
  }

  static async open(config: IdentityConfig, bus: MessageBus, operatorToken: string) {
    const dir = join(config.DATA_DIR, 'identity');
    const store = createEventStore(config, join(dir, 'events.sqlite'));
    const readModels = new ReadModelDatabase(join(dir, 'read-models.sqlite'));
    const keys = await new SigningKeys(config.SIGNING_KEYS_DIR ?? join(dir, 'keys')).load();
    return new IdentityRuntime(config, store, readModels, bus, keys, operatorToken);
  }

  async start() {
    if (this.started) return;
    this.started = true;
    inProcessKeySet.publish(this.keys.jwks());
    await consume({
      bus: this.bus,
      topic: ORGANIZATION_EVENTS_TOPIC,
      group: 'identity',
      parse: parseOrganizationMessage,
      handle: (event) => handleOrganizationMessage(this, event),
      onDeadLetter: (_m, reason) => console.warn(`identity: dead-lettered an organization event: ${reason}`),
    });
  }

  /** publishing starts once every consumer in the process has subscribed */
  startRelay() {
    this.relay.start();
  }

  async stop() {
    if (!this.started) return;
    this.started = false;
    await this.relay.stop();
    await this.store.close();
    this.readModels.close();
  }
}
