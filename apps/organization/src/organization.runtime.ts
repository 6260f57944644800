import { join } from 'node:path';
import { deadLetterLogger, logger, metrics, observedEventStore, observedHandler, onScrape } from '@lib/platform';
import { AggregateRepository, EventStore, ProjectionRunner, ReadModelDatabase, SnapshotPolicy, createEventStore } from '@lib/eventstore';
import { consume, MessageBus, OutboxRelay } from '@lib/messaging';
import { IDENTITY_EVENTS_TOPIC, ORGANIZATION_EVENTS_TOPIC } from '@lib/contracts';
import { OrganizationCommand, organizationDecider, organizationSnapshots, OrganizationState } from './organizations/organization.decider';
import { OrganizationEvent, organizationStream } from './organizations/organization.events';
import { organizationProjections } from './organizations/projections/organization-read-models';
import { KnownUserCommand, knownUserDecider, KnownUserEvent, KnownUserState, knownUserStream } from './directory/known-user';
import { toIntegrationMessage } from './organizations/organization.integration';
import { handleIdentityMessage, parseIdentityMessage } from './directory/identity.consumer';
import { OrganizationConfig } from './config';
import { SecretBox } from './resources/secret-box';
import { auditProjection } from './audit/audit.read-model';
import { AuditRecorder } from './audit/audit-recorder';
import { startAuditConsumers } from './audit/audit.consumers';

export const ORGANIZATION_RUNTIME = Symbol('ORGANIZATION_RUNTIME');

/**
 * Everything the organization service owns, built from its configuration: its event store, read models,
 * outbox relay and bus consumer. Nest wiring (organization.module.ts) only hands it to controllers.
 */
export class OrganizationRuntime {
  readonly organizations: AggregateRepository<OrganizationCommand, OrganizationEvent, OrganizationState>;
  readonly knownUsers: AggregateRepository<KnownUserCommand, KnownUserEvent, KnownUserState>;
  readonly projections: ProjectionRunner;
  readonly relay: OutboxRelay;
  private started = false;

  constructor(
    readonly config: OrganizationConfig,
    readonly store: EventStore,
    readonly readModels: ReadModelDatabase,
    readonly bus: MessageBus,
    readonly operatorToken: string,
    readonly secrets: SecretBox,
  ) {
    this.organizations = new AggregateRepository(store, organizationDecider, organizationStream, {
      cacheSize: 50_000,
      snapshots: organizationSnapshots as SnapshotPolicy<unknown>,
    });
    this.knownUsers = new AggregateRepository(store, knownUserDecider, knownUserStream, { cacheSize: 10_000 });
    this.projections = new ProjectionRunner(store, readModels, [...organizationProjections, auditProjection], (e) =>
      logger('organization').error({ err: e }, 'projections stopped; restarting'),
    );
    this.relay = new OutboxRelay({
      name: 'organization',
      store,
      bus,
      checkpoints: readModels,
      toMessage: toIntegrationMessage,
      onError: (e) => logger('organization').warn({ err: (e as Error).message }, 'relay: publishing failed; retrying from its checkpoint'),
    });
  }

  static open(config: OrganizationConfig, bus: MessageBus, operatorToken: string) {
    const dir = join(config.DATA_DIR, 'organization');
    const store = observedEventStore(createEventStore(config, join(dir, 'events.sqlite')), 'organization');
    const readModels = new ReadModelDatabase(join(dir, 'read-models.sqlite'));
    const secrets = SecretBox.fromConfig(config.SECRETS_MASTER_KEY, join(dir, 'master.key'));
    return new OrganizationRuntime(config, store, readModels, bus, operatorToken, secrets);
  }

  async start() {
    if (this.started) return;
    this.started = true;
    this.projections.start();
    await consume({
      bus: this.bus,
      topic: IDENTITY_EVENTS_TOPIC,
      group: 'organization',
      parse: parseIdentityMessage,
      handle: observedHandler('organization', IDENTITY_EVENTS_TOPIC, (event) => handleIdentityMessage(this.knownUsers, event)),
      onDeadLetter: deadLetterLogger('organization', IDENTITY_EVENTS_TOPIC),
    });
    const exists = async (id: string) => (await this.organizations.load(id)).state.exists;
    await startAuditConsumers(this.bus, new AuditRecorder(this.store, this.config.REGION, exists));
  }

  /** publishing starts once every consumer in the process has subscribed */
  startRelay() {
    this.relay.start();
    onScrape(async () => {
      if (!this.started) return;
      metrics.relayLag.labels('organization').set(await this.relay.lag());
      metrics.headPosition.labels('organization').set(await this.store.headPosition());
      metrics.projectionPosition.labels('organization').set(this.projections.checkpoint);
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
    await this.projections.stop();
    await this.store.close();
    this.readModels.close();
  }

  static readonly topic = ORGANIZATION_EVENTS_TOPIC;
}
