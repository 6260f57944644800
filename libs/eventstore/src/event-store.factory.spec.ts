import { baseConfigSchema, ConfigError, loadConfig } from '@lib/platform';
import { createEventStore } from './event-store.factory';
import { PostgresEventStore } from './postgres/postgres.event-store';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

describe('event store configuration', () => {
  it('builds a PostgreSQL store (schema per service) without contacting the server', async () => {
    const config = loadConfig(baseConfigSchema, { EVENT_STORE: 'postgres', POSTGRES_URL: 'postgres://u:p@127.0.0.1:1/db' });
    const store = createEventStore(config, ':memory:', 'app-packaging');
    expect(store).toBeInstanceOf(PostgresEventStore);
    await store.close();
  });

  it('keeps SQLite as the default', async () => {
    const store = createEventStore(loadConfig(baseConfigSchema, {}), ':memory:', 'organization');
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.close();
  });

  it('stops at boot naming POSTGRES_URL when it is missing or not a postgres:// URL', () => {
    expect(() => loadConfig(baseConfigSchema, { EVENT_STORE: 'postgres' })).toThrow(ConfigError);
    expect(() => loadConfig(baseConfigSchema, { EVENT_STORE: 'postgres' })).toThrow('POSTGRES_URL: required when EVENT_STORE=postgres');
    expect(() => loadConfig(baseConfigSchema, { EVENT_STORE: 'postgres', POSTGRES_URL: 'mysql://x/y' })).toThrow(
      'POSTGRES_URL: must be a postgres:// connection string',
    );
    expect(() => loadConfig(baseConfigSchema, { EVENT_STORE: 'pg' })).toThrow('EVENT_STORE');
  });

  it('refuses a PostgreSQL store without a service name', () => {
    const config = loadConfig(baseConfigSchema, { EVENT_STORE: 'postgres', POSTGRES_URL: 'postgresql://127.0.0.1/db' });
    expect(() => createEventStore(config, ':memory:')).toThrow('needs the service name');
  });
});
