import { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb.event-store';
import { PostgresEventStore } from './postgres/postgres.event-store';
import { PostgresLeases } from './postgres/postgres.leases';
import { PersonalDataKeyStore, PostgresPersonalDataKeyStore, SqlitePersonalDataKeyStore } from './personal-data/key-store';

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
    return new PostgresEventStore({ connectionString: config.POSTGRES_URL, schema: postgresSchema(service) });
  }
  if (config.EVENT_STORE === 'kurrentdb') {
    if (!config.KURRENTDB_CONNECTION_STRING) throw new Error('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING');
    return new KurrentDbEventStore({ connectionString: config.KURRENTDB_CONNECTION_STRING });
  }
  return new SqliteEventStore({ filename: sqliteFile, synchronous: config.SQLITE_SYNCHRONOUS });
}

const postgresSchema = (service: string) => service.replace(/-/g, '_');

/**
 * With a shared store, the replicas of a service elect one outbox publisher and keep its checkpoint next to
 * the log. SQLite is one process per file (no election needed); KurrentDB has no lease here (one replica).
 */
export function createRelayLeadership(config: EventStoreConfig, service: string): PostgresLeases | undefined {
  if (config.EVENT_STORE !== 'postgres' || !config.POSTGRES_URL) return undefined;
  return new PostgresLeases({ connectionString: config.POSTGRES_URL, schema: postgresSchema(service) });
}

/**
 * The personal-data key store next to the service's log: a table in its PostgreSQL schema (shared by its
 * replicas), otherwise its own SQLite file (KurrentDB included: the keys must stay deletable, the log is not).
 */
export function createPersonalDataKeyStore(config: EventStoreConfig, sqliteFile: string, service: string): PersonalDataKeyStore {
  if (config.EVENT_STORE === 'postgres' && config.POSTGRES_URL) {
    return new PostgresPersonalDataKeyStore({ connectionString: config.POSTGRES_URL, schema: postgresSchema(service) });
  }
  return new SqlitePersonalDataKeyStore(sqliteFile);
}
