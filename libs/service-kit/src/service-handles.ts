import { Abstract, DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { EventStore, ProjectionRunner, ReadModelDatabase } from '@lib/eventstore';
import { OutboxRelay } from '@lib/messaging';
import { EVENT_STORE, OUTBOX_RELAY, PROJECTIONS, READ_MODELS } from './tokens';

/** one service's infrastructure inside a running application (tests, benchmarks, the standalone) */
export interface ServiceHandles {
  store: EventStore;
  readModels: ReadModelDatabase;
  relay: OutboxRelay;
  projections: ProjectionRunner | null;
  /** any provider of that service, by its class or token */
  get<T>(token: Type<T> | Abstract<T> | symbol | string): T;
}

/** `module` is the dynamic module the service's `register()` returned (Nest finds dynamic modules by their metadata) */
export function serviceHandles(app: INestApplicationContext, module: DynamicModule): ServiceHandles {
  const scope = app.select(module);
  const get = <T>(token: Type<T> | Abstract<T> | symbol | string): T => scope.get<T>(token as never, { strict: true });
  return {
    store: get<EventStore>(EVENT_STORE),
    readModels: get<ReadModelDatabase>(READ_MODELS),
    relay: get<OutboxRelay>(OUTBOX_RELAY),
    projections: get<ProjectionRunner | null>(PROJECTIONS),
    get,
  };
}
