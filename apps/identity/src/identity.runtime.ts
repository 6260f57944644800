import { join } from 'node:path';
import { deadLetterLogger, logger, metrics, observedEventStore, observedHandler, onScrape } from '@lib/platform';
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
import { createMailSender } from '@lib/platform';
import { VerificationCommand, verificationDecider, VerificationEvent, VerificationState, verificationStream } from './verification/verification.decider';
import { LinkTokens } from './mail/link-tokens';
import { MailDispatcher } from './mail/mail.dispatcher';
import { mailComposer } from './mail/mail.composer';

export const IDENTITY_RUNTIME = Symbol('IDENTITY_RUNTIME');

/** everything identity owns: its store, signing keys, outbox relay and consumer of organization events */
export class IdentityRuntime {
  readonly users: AggregateRepository<UserCommand, UserEvent, UserState>;
  readonly organizations: AggregateRepository<KnownOrganizationCommand, KnownOrganizationEvent, KnownOrganizationState>;
  readonly invitations: AggregateRepository<InvitationsCommand, InvitationsEvent, InvitationsState>;
  readonly sessions: AggregateRepository<SessionCommand, SessionEvent, SessionState>;
  readonly relay: OutboxRelay;
  readonly verifications: AggregateRepository<VerificationCommand, VerificationEvent, VerificationState>;
  readonly links: LinkTokens;
  readonly mailer: MailDispatcher;
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
    this.verifications = new AggregateRepository(store, verificationDecider, verificationStream, { cacheSize: 50_000 });
    this.links = LinkTokens.open(config.LINK_SECRET, join(config.DATA_DIR, 'identity', 'link-key'));
    this.mailer = new MailDispatcher({
      store,
      readModels,
      sender: createMailSender({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, outboxDir: join(config.DATA_DIR, 'identity', 'outbox') }),
      compose: mailComposer(this),
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
      retryBaseMs: config.MAIL_RETRY_BASE_MS,
    });
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
    await consume({
      bus: this.bus,
      topic: ORGANIZATION_EVENTS_TOPIC,
      group: 'identity',
      parse: parseOrganizationMessage,
      handle: observedHandler('identity', ORGANIZATION_EVENTS_TOPIC, (event) => handleOrganizationMessage(this, event)),
      onDeadLetter: deadLetterLogger('identity', ORGANIZATION_EVENTS_TOPIC),
    });
  }

  /** publishing starts once every consumer in the process has subscribed */
  startRelay() {
    this.relay.start();
    this.mailer.start();
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
    await this.mailer.stop();
    if (this.config.BUS === 'kafka') await this.bus.close();
    await this.store.close();
    this.readModels.close();
  }
}
