import { join } from 'node:path';
import { deadLetterLogger, logger, metrics, observedBatchHandler, observedEventStore, onScrape } from '@lib/platform';
import { AggregateRepository, EventMetadata, EventStore, ProjectionRunner, ReadModelDatabase, createEventStore } from '@lib/eventstore';
import { consumeBatches, derivedEventId, MessageBus, OutboxRelay } from '@lib/messaging';
import { ORGANIZATION_EVENTS_TOPIC, OrganizationIntegrationEvent } from '@lib/contracts';
import { createObjectStorage, ObjectStorage } from '@lib/object-storage';
import { PackagingConfig } from './config';
import { AppCommand, appDecider, AppState } from './apps/app.decider';
import { AppEvent, appStream } from './apps/app.events';
import { appsBoundTo, appsProjection } from './apps/projections';
import { OrgDirectoryCommand, orgDirectoryDecider, OrgDirectoryEvent, OrgDirectoryState, orgDirectoryStream } from './directory/org-directory.decider';
import { handleOrganizationBatch, parseOrganizationMessage } from './directory/organization.consumer';
import { toIntegrationMessage } from './apps/app.integration';

export const PACKAGING_RUNTIME = Symbol('PACKAGING_RUNTIME');

/** everything app-packaging owns: its event store, read models, package storage, relay and consumer */
export class PackagingRuntime {
  readonly apps: AggregateRepository<AppCommand, AppEvent, AppState>;
  readonly directory: AggregateRepository<OrgDirectoryCommand, OrgDirectoryEvent, OrgDirectoryState>;
  readonly projections: ProjectionRunner;
  readonly relay: OutboxRelay;
  private started = false;

  constructor(
    readonly config: PackagingConfig,
    readonly store: EventStore,
    readonly readModels: ReadModelDatabase,
    readonly bus: MessageBus,
    readonly storage: ObjectStorage,
    readonly operatorToken: string,
  ) {
    this.apps = new AggregateRepository(store, appDecider, appStream, { cacheSize: 10_000 });
    this.directory = new AggregateRepository(store, orgDirectoryDecider, orgDirectoryStream, { cacheSize: 20_000 });
    this.projections = new ProjectionRunner(store, readModels, [appsProjection], (e) => logger('app-packaging').error({ err: e }, 'projections stopped; restarting'));
    this.relay = new OutboxRelay({
      name: 'app-packaging',
      store,
      bus,
      checkpoints: readModels,
      toMessage: toIntegrationMessage,
      onError: (e) => logger('app-packaging').warn({ err: (e as Error).message }, 'relay: publishing failed; retrying from its checkpoint'),
    });
  }

  static open(config: PackagingConfig, bus: MessageBus, operatorToken: string) {
    const dir = join(config.DATA_DIR, 'app-packaging');
    const store = observedEventStore(createEventStore(config, join(dir, 'events.sqlite')), 'app-packaging');
    const readModels = new ReadModelDatabase(join(dir, 'read-models.sqlite'));
    const storage = createObjectStorage({ ...config, dataDir: dir });
    return new PackagingRuntime(config, store, readModels, bus, storage, operatorToken);
  }

  async start() {
    if (this.started) return;
    this.started = true;
    void this.ensureBucket();
    this.projections.start();
    const recordBatch = observedBatchHandler('app-packaging', ORGANIZATION_EVENTS_TOPIC, (events: OrganizationIntegrationEvent[]) =>
      handleOrganizationBatch(this, events),
    );
    await consumeBatches({
      bus: this.bus,
      topic: ORGANIZATION_EVENTS_TOPIC,
      group: 'app-packaging',
      parse: parseOrganizationMessage,
      handleBatch: (items) => recordBatch(items.map((i) => i.value)),
      onDeadLetter: deadLetterLogger('app-packaging', ORGANIZATION_EVENTS_TOPIC),
    });
  }

  /** an S3 bucket is created when missing; a store that is down at boot is retried while readiness says so */
  private async ensureBucket() {
    const storage = this.storage as ObjectStorage & { ensureBucket?: () => Promise<void> };
    if (!storage.ensureBucket) return;
    for (let delay = 500; this.started; delay = Math.min(delay * 2, 10_000)) {
      try {
        await storage.ensureBucket();
        return;
      } catch (error) {
        logger('app-packaging').warn({ err: (error as Error).message, delay }, 'bucket not ready; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  startRelay() {
    this.relay.start();
    onScrape(async () => {
      if (!this.started) return;
      metrics.relayLag.labels('app-packaging').set(await this.relay.lag());
      metrics.headPosition.labels('app-packaging').set(await this.store.headPosition());
      metrics.projectionPosition.labels('app-packaging').set(this.projections.checkpoint);
    });
  }

  /** every app of the organization bound to the resource loses that binding (and so needs configuration) */
  async releaseResource(
    organizationId: string,
    resourceId: string,
    reason: 'resource-disabled' | 'resource-deleted',
    metadata: EventMetadata,
    sourceEventId: string,
  ) {
    await this.projections.waitFor(await this.store.headPosition(), 10_000);
    for (const appId of appsBoundTo(this.readModels.db, resourceId)) {
      const { state } = await this.apps.load(appId);
      if (state.organizationId !== organizationId) continue;
      await this.apps.handle(appId, { type: 'ReleaseResource', resourceId, reason }, metadata, {
        eventIds: (i) => derivedEventId(`app-packaging:${appId}`, sourceEventId, i),
      });
    }
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
    await this.storage.close();
    this.readModels.close();
  }
}
