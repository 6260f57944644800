import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  createEventStore,
  EventStore,
  PersonalDataEventStore,
  PersonalDataPolicy,
  PersonalDataVault,
  Projection,
  ProjectionRunner,
  ReadAllOptions,
  ReadModelDatabase,
  SqlitePersonalDataKeyStore,
} from '@lib/eventstore';
import { organizationPersonalData, organizationProjections } from '../../../apps/organization/src';
import { appsProjection } from '../../../apps/app-packaging/src';
import { ProgressBar, ProgressOutput } from './progress';

/** the services that keep projections in DATA_DIR/<service>/read-models.sqlite (identity keeps only checkpoints) */
export const REBUILDABLE: Record<string, () => readonly Projection[]> = {
  organization: () => organizationProjections,
  'app-packaging': () => [appsProjection],
};

/** services whose events seal personal data: the rebuild opens it with the service's keys (docs/personal-data.md) */
const PERSONAL_DATA: Record<string, PersonalDataPolicy | undefined> = { organization: organizationPersonalData };

export interface RebuildOptions {
  service: string;
  dataDir: string;
  batchSize?: number;
  /** aborted: the rebuild stops at the next batch boundary */
  signal?: AbortSignal;
  progress: ProgressOutput;
  now?: () => number;
}

export type RebuildOutcome =
  | { kind: 'done'; service: string; dir: string; projections: string[]; events: number; position: number; seconds: number; eventsPerSecond: number }
  | { kind: 'interrupted'; service: string; dir: string; events: number; total: number; position: number }
  | { kind: 'refused'; message: string };

export class RebuildInterrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/**
 * The event store as the runner sees it during a rebuild: before each batch it lets the event loop run (so a
 * SIGINT handler gets a chance: SQLite reads resolve without ever yielding to it) and stops if asked to.
 * Stopping there is clean: every batch is applied in one transaction together with the checkpoints.
 */
function interruptible(store: EventStore, signal: AbortSignal | undefined): EventStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'readAll') {
        return async (options?: ReadAllOptions) => {
          await yieldToEventLoop();
          if (signal?.aborted) throw new RebuildInterrupted();
          return target.readAll(options);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

/**
 * Drops and replays a stopped service's read models from its SQLite event log (ProjectionRunner.rebuild).
 * The read-model file is held in SQLite's exclusive locking mode for the whole run: a service that still has
 * it open makes the rebuild refuse, and a service started meanwhile cannot open it.
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildOutcome> {
  const projectionsOf = REBUILDABLE[options.service];
  if (!projectionsOf) throw new Error(`unknown service ${options.service}`);
  const dir = resolve(options.dataDir, options.service);
  const eventsFile = join(dir, 'events.sqlite');
  if (!existsSync(eventsFile) || !statSync(eventsFile).isFile() || statSync(eventsFile).size === 0) {
    return {
      kind: 'refused',
      message: `no ${options.service} event store at ${eventsFile}: is ${resolve(options.dataDir)} the stack's DATA_DIR?`,
    };
  }
  const readModelsFile = join(dir, 'read-models.sqlite');
  let readModels: ReadModelDatabase | null = null;
  let store: EventStore | null = null;
  try {
    try {
      readModels = new ReadModelDatabase(readModelsFile);
      readModels.db.pragma('busy_timeout = 250');
      readModels.db.pragma('locking_mode = EXCLUSIVE');
      readModels.db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      if (!isBusy(error)) throw error;
      return {
        kind: 'refused',
        message: `${readModelsFile} is in use: stop the ${options.service} service (or the standalone stack) first; the rebuild runs offline`,
      };
    }
    store = createEventStore({ EVENT_STORE: 'sqlite', SQLITE_SYNCHRONOUS: 'NORMAL' }, eventsFile);
    const policy = PERSONAL_DATA[options.service];
    if (policy) {
      // the read models hold what the service would: plain values, or "deleted user" where a key was forgotten
      const keys = new SqlitePersonalDataKeyStore(join(dir, 'personal-data-keys.sqlite'));
      store = new PersonalDataEventStore(store, PersonalDataVault.forService(process.env.PERSONAL_DATA_MASTER_KEY, join(dir, 'personal-data.key'), keys), policy);
    }
    const projections = projectionsOf();
    const runner = new ProjectionRunner(interruptible(store, options.signal), readModels, projections);
    const now = options.now ?? (() => performance.now());
    const total = await store.headPosition();
    const bar = new ProgressBar(options.progress, `rebuild ${options.service}`, { now });
    if (!bar.tty) options.progress.write(`rebuilding the ${options.service} read models in ${dir} from ${total} events\n`);
    let done = 0;
    let position = 0;
    const t0 = now();
    bar.start(total);
    try {
      const result = await runner.rebuild((p) => {
        done = p.done;
        position = p.position;
        bar.update(p.done, p.position, p.total);
      }, options.batchSize);
      done = result.events;
      position = result.position;
    } catch (error) {
      bar.abandon();
      if (error instanceof RebuildInterrupted) return { kind: 'interrupted', service: options.service, dir, events: done, total, position };
      throw error;
    }
    bar.update(done, position, Math.max(total, position));
    bar.finish();
    const seconds = (now() - t0) / 1000;
    return {
      kind: 'done',
      service: options.service,
      dir,
      projections: projections.map((p) => p.name),
      events: done,
      position,
      seconds,
      eventsPerSecond: seconds > 0 ? done / seconds : done,
    };
  } finally {
    await store?.close();
    readModels?.close();
  }
}
