import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { join } from 'node:path';
import { createRelayLeadership, EventStore, ReadModelDatabase } from '@lib/eventstore';
import { createMailSender } from '@lib/platform';
import { EVENT_STORE, READ_MODELS, SERVICE_CONFIG } from '@lib/service-kit';
import { IdentityConfig } from '../config';
import { UserRepository } from '../users/user.repository';
import { KnownOrganizationRepository } from '../directory/directory.repositories';
import { LinkTokens } from './link-tokens';
import { MailDispatcher } from './mail.dispatcher';
import { mailComposer } from './mail.composer';

/** the key behind link tokens: LINK_SECRET, or a 0600 file under DATA_DIR/identity made on first start */
export const linkTokensProvider: Provider = {
  provide: LinkTokens,
  inject: [SERVICE_CONFIG],
  useFactory: (config: IdentityConfig) => LinkTokens.open(config.LINK_SECRET, join(config.DATA_DIR, 'identity', 'link-key')),
};

/** mail over SMTP_URL, or .eml files under DATA_DIR/identity/outbox; composed from identity's own events */
export const mailDispatcherProvider: Provider = {
  provide: MailDispatcher,
  inject: [SERVICE_CONFIG, EVENT_STORE, READ_MODELS, UserRepository, KnownOrganizationRepository, LinkTokens],
  useFactory: (
    config: IdentityConfig,
    store: EventStore,
    readModels: ReadModelDatabase,
    users: UserRepository,
    organizations: KnownOrganizationRepository,
    links: LinkTokens,
  ) =>
    new MailDispatcher({
      store,
      readModels,
      sender: createMailSender({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, outboxDir: join(config.DATA_DIR, 'identity', 'outbox') }),
      compose: mailComposer({ config, users, organizations, links }),
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
      retryBaseMs: config.MAIL_RETRY_BASE_MS,
      // replicas on PostgreSQL: one sender at a time (its own lease connection, next to the relay's)
      leadership: createRelayLeadership(config, 'identity'),
    }),
};

/**
 * The dispatcher sends from onApplicationBootstrap (with the relay) and stops in beforeApplicationShutdown, so it
 * is stopped before the kit's onApplicationShutdown closes the event store and read models it reads and writes.
 */
@Injectable()
export class MailDispatcherLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private started = false;

  constructor(private readonly mailer: MailDispatcher) {}

  onApplicationBootstrap() {
    if (this.started) return;
    this.started = true;
    this.mailer.start();
  }

  async beforeApplicationShutdown() {
    if (!this.started) return;
    this.started = false;
    await this.mailer.stop();
  }
}
