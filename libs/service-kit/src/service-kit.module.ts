import { DynamicModule, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit, Provider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { join } from 'node:path';
import {
  createEventStore,
  createPersonalDataKeyStore,
  createRelayLeadership,
  EventStore,
  PersonalDataEventStore,
  PersonalDataPolicy,
  PersonalDataVault,
  Projection, ProjectionRunner, ReadModelDatabase, RecordedEvent } from '@lib/eventstore';
import { BusMessage, consume, consumeBatches, MessageBus, OutboxRelay } from '@lib/messaging';
import { deadLetterLogger, logger, metrics, observedBatchHandler, observedEventStore, observedHandler, onScrape, ReadinessRegistry, registerServiceReadiness } from '@lib/platform';
import {
  ConsumerDescription,
  EVENT_STORE,
  MESSAGE_BUS,
  OPERATOR_TOKEN,
  OUTBOX_RELAY,
  PERSONAL_DATA,
  PROJECTIONS,
  READ_MODELS,
  SERVICE_CONFIG,
  ServiceDependencies,
} from './tokens';

/** the declarative description of one event-sourced service */
export interface ServiceDescription {
  /** the service's own module class (what `app.select(...)` finds) */
  module: Type<unknown>;
  /** names its data directory (DATA_DIR/<name>), consumer group, relay, metrics and readiness checks */
  name: string;
  controllers?: Type<unknown>[];
  /** repositories, services, consumers, anything else the service owns */
  providers?: Provider[];
  projections?: readonly Projection[];
  /** the integration mapper: the bus message(s) of a stored event, or null for an internal one */
  integration: (event: RecordedEvent) => BusMessage | BusMessage[] | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  consumers?: ConsumerDescription<any>[];
  /** the personal fields of its events, sealed with per-subject keys (crypto-shredding, docs/personal-data.md) */
  personalData?: PersonalDataPolicy;
}

const SERVICE_DESCRIPTION = Symbol('SERVICE_DESCRIPTION');

/**
 * The lifecycle written once: consumers subscribe in onModuleInit (every module), relays publish from
 * onApplicationBootstrap (so a standalone never publishes before all its consumers listen), and a graceful
 * stop flushes the relay, stops it, closes the bus, stops projections and closes the stores in that order.
 */
@Injectable()
export class ServiceLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private started = false;

  constructor(
    @Inject(SERVICE_DESCRIPTION) private readonly description: ServiceDescription,
    @Inject(SERVICE_CONFIG) private readonly config: { BUS: string },
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner | null,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    private readonly readiness: ReadinessRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit() {
    if (this.started) return;
    this.started = true;
    const { name } = this.description;
    this.projections?.start();
    for (const c of this.description.consumers ?? []) {
      const handler = this.moduleRef.get(c.handler, { strict: true });
      if (handler.handleBatch) {
        const handleBatch = observedBatchHandler(name, c.topic, (events) => handler.handleBatch!(events));
        await consumeBatches({
          bus: this.bus,
          topic: c.topic,
          group: c.group ?? name,
          parse: c.parse,
          handleBatch: (items) => handleBatch(items.map((i) => i.value)),
          onDeadLetter: deadLetterLogger(name, c.topic),
        });
        continue;
      }
      await consume({
        bus: this.bus,
        topic: c.topic,
        group: c.group ?? name,
        parse: c.parse,
        handle: observedHandler(name, c.topic, (event) => handler.handle(event)),
        onDeadLetter: deadLetterLogger(name, c.topic),
      });
    }
  }

  onApplicationBootstrap() {
    const { name } = this.description;
    this.relay.start();
    onScrape(async () => {
      if (!this.started) return;
      metrics.relayLag.labels(name).set(await this.relay.lag());
      metrics.headPosition.labels(name).set(await this.store.headPosition());
      if (this.projections) metrics.projectionPosition.labels(name).set(this.projections.checkpoint);
    });
    registerServiceReadiness(this.readiness, name, {
      store: this.store,
      bus: this.bus,
      relay: this.relay,
      ...(this.projections ? { projections: this.projections } : {}),
    });
  }

  async onApplicationShutdown() {
    if (!this.started) return;
    this.started = false;
    await this.relay.flush(3000).catch(() => undefined);
    await this.relay.stop();
    if (this.config.BUS === 'kafka') await this.bus.close();
    await this.projections?.stop();
    await this.store.close();
    this.readModels.close();
  }
}

/**
 * One Nest dynamic module per event-sourced service: the event store, read-model database, bus, outbox
 * relay, projection runner, readiness and shutdown order come from the kit; the service declares its
 * controllers and providers (repositories, services, consumers) and injects the kit's tokens.
 */
export class EventSourcedServiceModule {
  static forRoot(description: ServiceDescription, deps: ServiceDependencies): DynamicModule {
    const { name } = description;
    const log = logger(name);
    const dir = join(deps.config.DATA_DIR, name);
    const providers: Provider[] = [
      { provide: SERVICE_DESCRIPTION, useValue: description },
      { provide: SERVICE_CONFIG, useValue: deps.config },
      { provide: OPERATOR_TOKEN, useValue: deps.operatorToken },
      { provide: MESSAGE_BUS, useValue: deps.bus },
      {
        provide: EVENT_STORE,
        useFactory: () => {
          const store = observedEventStore(createEventStore(deps.config, join(dir, 'events.sqlite'), name), name);
          if (!description.personalData) return store;
          const keys = createPersonalDataKeyStore(deps.config, join(dir, 'personal-data-keys.sqlite'), name);
          const vault = PersonalDataVault.forService(deps.config.PERSONAL_DATA_MASTER_KEY, join(dir, 'personal-data.key'), keys);
          return new PersonalDataEventStore(store, vault, description.personalData);
        },
      },
      {
        // the vault that forgets a subject (account deletion); null for a service that keeps no personal data
        provide: PERSONAL_DATA,
        inject: [EVENT_STORE],
        useFactory: (store: EventStore) => (store instanceof PersonalDataEventStore ? store.vault : null),
      },
      { provide: READ_MODELS, useFactory: () => new ReadModelDatabase(join(dir, 'read-models.sqlite')) },
      {
        provide: PROJECTIONS,
        inject: [EVENT_STORE, READ_MODELS],
        useFactory: (store: EventStore, readModels: ReadModelDatabase) =>
          description.projections?.length
            ? new ProjectionRunner(store, readModels, description.projections, (e) => log.error({ err: e }, 'projections stopped; restarting'))
            : null,
      },
      {
        provide: OUTBOX_RELAY,
        inject: [EVENT_STORE, READ_MODELS],
        useFactory: (store: EventStore, readModels: ReadModelDatabase) =>
          new OutboxRelay({
            name,
            store,
            bus: deps.bus,
            checkpoints: readModels,
            toMessage: description.integration,
            // several replicas on PostgreSQL: one publisher (an advisory lock), checkpoint in the shared store
            leadership: createRelayLeadership(deps.config, name),
            onError: (e) => log.warn({ err: (e as Error).message }, 'relay: publishing failed; retrying from its checkpoint'),
          }),
      },
      ...(description.providers ?? []),
      ServiceLifecycle,
    ];
    return { module: description.module, controllers: description.controllers ?? [], providers };
  }
}
