import { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb.event-store';
import { PostgresEventStore } from './postgres/postgres.event-store';

export interface EventStoreConfig {
  EVENT_STORE: 'sqlite' | 'kurrentdb' | 'postgres';
  SQLITE_SYNCHRONOUS: 'NORMAL' | 'FULL';
  KURRENTDB_CONNECTION_STRING?: string;
  POSTGRES_URL?: string;
}

/**
 * The configured adapter for one service. KurrentDB: one database per service (a node or cluster of its
 * own), since a service's relay and projections follow the whole `$all` log. PostgreSQL: one schema per
 * service (`organization`, `identity`, `app_packaging`), any number of replicas.
 */
export function createEventStore(config: EventStoreConfig, sqliteFile: string, service?: string): EventStore {
  if (config.EVENT_STORE === 'postgres') {
    if (!config.POSTGRES_URL) throw new Error('EVENT_STORE=postgres needs POSTGRES_URL');
    if (!service) throw new Error('EVENT_STORE=postgres needs the service name (its schema)');
    // one schema per service in a shared database: each service's relay and projections follow only its own log
    return new PostgresEventStore({ connectionString: config.POSTGRES_URL, schema: service.replace(/-/g, '_') });
  }
  if (config.EVENT_STORE === 'kurrentdb') {
    if (!config.KURRENTDB_CONNECTION_STRING) throw new Error('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING');
    return new KurrentDbEventStore({ connectionString: config.KURRENTDB_CONNECTION_STRING });
  }
  return new SqliteEventStore({ filename: sqliteFile, synchronous: config.SQLITE_SYNCHRONOUS });
}
