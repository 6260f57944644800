import Database from 'better-sqlite3';
import type { RecordedEvent } from './event-store.port';
import type { Projection } from './projection';

/** what a handler learns of the recorded event besides its data: when and by whom (from its metadata) */
export interface ProjectedMeta {
  at: string;
  actor: string;
  position: number;
  streamName: string;
  /** the event's revision in its stream */
  revision: number;
}

/** one handler per handled event type, each given that type's event: a missing, misspelt or mistyped one does not compile */
export type ProjectionHandlers<E extends { type: string; data: unknown }, H extends E['type'], W> = {
  [K in H]: (event: Extract<E, { type: K }>, write: W, meta: ProjectedMeta) => void;
};

export interface TypedProjectionSpec<E extends { type: string; data: unknown }, H extends E['type'], W> {
  readonly name: string;
  /** bump when the schema or a handler changes: the runner drops and rebuilds the read model from the log */
  readonly version: number;
  setup(db: Database.Database): void;
  drop(db: Database.Database): void;
  /** the projection's write statements, prepared once per database (after `setup`) and handed to every handler */
  prepare(db: Database.Database): W;
  on: ProjectionHandlers<E, H, W>;
}

/**
 * A projection defined against its event union E: `handles` is the keys of `on`, and the one place a
 * recorded event becomes a typed one is here (the store's type names are E's, the event store is ours).
 *
 *   export const membersProjection = projectionOf<OrganizationEvent>()({ name, version, setup, drop, prepare, on: { ... } });
 */
export const projectionOf =
  <E extends { type: string; data: unknown }>() =>
  <H extends E['type'], W>(spec: TypedProjectionSpec<E, H, W>): Projection => {
    const prepared = new WeakMap<Database.Database, W>();
    const statements = (db: Database.Database) => {
      let write = prepared.get(db);
      if (write === undefined) {
        write = spec.prepare(db);
        prepared.set(db, write);
      }
      return write;
    };
    const handlers = spec.on as unknown as Record<string, ((event: E, write: W, meta: ProjectedMeta) => void) | undefined>;
    return {
      name: spec.name,
      version: spec.version,
      handles: Object.keys(spec.on),
      setup(db) {
        spec.setup(db);
        prepared.delete(db); // a rebuilt schema needs its statements prepared again
      },
      drop(db) {
        prepared.delete(db);
        spec.drop(db);
      },
      apply(raw: RecordedEvent, db) {
        const handler = Object.hasOwn(handlers, raw.type) ? handlers[raw.type] : undefined;
        if (!handler) return;
        const meta: ProjectedMeta = {
          at: String(raw.metadata.at ?? raw.recordedAt),
          actor: String(raw.metadata.actor ?? 'unknown'),
          position: raw.position,
          streamName: raw.streamName,
          revision: raw.revision,
        };
        handler({ type: raw.type, data: raw.data } as E, statements(db), meta);
      },
    };
  };

/**
 * One handler for several event types of E (say every type one describer covers), as the `on` entries of those
 * types: `on: { ...each(ORGANIZATION_EVENT_TYPES, describeAndInsert), ExternalAuditRecorded: … }` where
 * `const each = handlersOf<AuditedEvent, Statements>()`.
 */
export const handlersOf =
  <E extends { type: string; data: unknown }, W>() =>
  <T extends E['type']>(types: Iterable<T>, handler: (event: Extract<E, { type: T }>, write: W, meta: ProjectedMeta) => void) =>
    Object.fromEntries([...types].map((type) => [type, handler])) as unknown as ProjectionHandlers<E, T, W>;
