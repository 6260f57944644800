/** the personal-data keys move with the log from SQLite to a real PostgreSQL server (POSTGRES_URL) */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  DELETED_USER,
  PersonalDataEventStore,
  PersonalDataVault,
  PostgresEventStore,
  PostgresPersonalDataKeyStore,
  SqliteEventStore,
  SqlitePersonalDataKeyStore,
} from '@lib/eventstore';
import { copyLog } from './copy-log';
import { copyPersonalDataKeys } from './copy-keys';

const connectionString = process.env.POSTGRES_URL;
if (!connectionString) throw new Error('POSTGRES_URL is not set: start PostgreSQL with scripts/infra/pg-start.sh');
const url: string = connectionString;
jest.setTimeout(30_000);

const policy = { events: { UserKnown: { email: (d: Record<string, unknown>) => `user:${String(d.userId)}` } } };

describe('moving personal data keys with the log', () => {
  const schema = `copy_keys_${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'copy-keys-'));
  afterAll(async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the service on PostgreSQL opens what it sealed on SQLite; a subject forgotten before the move stays forgotten', async () => {
    const keysFile = join(dir, 'personal-data-keys.sqlite');
    const masterFile = join(dir, 'personal-data.key');
    const sqlite = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
    const before = new PersonalDataEventStore(sqlite, PersonalDataVault.forService(undefined, masterFile, new SqlitePersonalDataKeyStore(keysFile)), policy);
    await before.append('known-user-1', [{ type: 'UserKnown', data: { userId: 'usr-1', email: 'one@example.com' } }]);
    await before.append('known-user-2', [{ type: 'UserKnown', data: { userId: 'usr-2', email: 'two@example.com' } }]);
    await before.vault.forget(['user:usr-2']);

    const target = new PostgresEventStore({ connectionString: url, schema });
    await copyLog(new SqliteEventStore({ filename: join(dir, 'events.sqlite') }), target);
    const pgKeys = new PostgresPersonalDataKeyStore({ connectionString: url, schema });
    expect(await copyPersonalDataKeys(keysFile, masterFile, pgKeys, undefined)).toEqual({ keys: 1, master: 'copied' });
    await pgKeys.close();
    await before.close();

    // a replica on PostgreSQL without PERSONAL_DATA_MASTER_KEY: the shared key is the copied one
    const keys = new PostgresPersonalDataKeyStore({ connectionString: url, schema });
    const after = new PersonalDataEventStore(target, PersonalDataVault.forService(undefined, join(dir, 'unused.key'), keys), policy);
    expect((await after.readStream('known-user-1'))[0].data).toEqual({ userId: 'usr-1', email: 'one@example.com' });
    expect((await after.readStream('known-user-2'))[0].data).toEqual({ userId: 'usr-2', email: DELETED_USER });
    await after.close();
  });
});
