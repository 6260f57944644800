import { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb.event-store';

export interface EventStoreConfig {
  EVENT_STORE: 'sqlite' | 'kurrentdb';
  SQLITE_SYNCHRONOUS: 'NORMAL' | 'FULL';
  KURRENTDB_CONNECTION_STRING?: string;
}

/**
 * The configured adapter for one service. KurrentDB: one database per service (a node or cluster of its
 * own), since a service's relay and projections follow the whole `$all` log.
 */
export function createEventStore(config: EventStoreConfig, sqliteFile: string): EventStore {
  if (config.EVENT_STORE === 'kurrentdb') {
    if (!config.KURRENTDB_CONNECTION_STRING) throw new Error('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING');
    return new KurrentDbEventStore({ connectionString: config.KURRENTDB_CONNECTION_STRING });
  }
  return new SqliteEventStore({ filename: sqliteFile, synchronous: config.SQLITE_SYNCHRONOUS });
}
