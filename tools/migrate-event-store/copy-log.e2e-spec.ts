/** copying a SQLite log into a real PostgreSQL server (POSTGRES_URL, from scripts/infra/pg-start.sh) */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore, PostgresLeases, SqliteEventStore } from '@lib/eventstore';
import { copyLog, markRelayPublished } from './copy-log';

const connectionString = process.env.POSTGRES_URL;
if (!connectionString) throw new Error('POSTGRES_URL is not set: start PostgreSQL with scripts/infra/pg-start.sh');
const url: string = connectionString;
jest.setTimeout(30_000);

describe('copying a service log from SQLite to PostgreSQL', () => {
  const schema = `copy_test_${randomBytes(5).toString('hex')}`;
  afterAll(async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('keeps ids, streams, revisions, data and the global order; a rerun copies only what is new', async () => {
    const source = new SqliteEventStore({ filename: ':memory:' });
    const target = new PostgresEventStore({ connectionString: url, schema });
    for (let i = 0; i < 30; i++) {
      await source.append(`org-${i % 4}`, [{ id: randomUUID(), type: 'A', data: { i }, metadata: { actor: 'u', at: '2026-01-01T00:00:00.000Z' } }]);
      if (i % 7 === 0) await source.append('org-big', [0, 1, 2].map((j) => ({ id: randomUUID(), type: 'B', data: { i, j } })));
    }
    expect((await copyLog(source, target)).copied).toBe(45);
    const strip = (e: { id: string; streamName: string; revision: number; type: string; data: unknown; metadata: unknown }) =>
      [e.id, e.streamName, e.revision, e.type, e.data, e.metadata];
    expect((await target.readAll({ maxCount: 1000 })).map(strip)).toEqual((await source.readAll({ maxCount: 1000 })).map(strip));

    // an interrupted or earlier copy: run again after more appends
    await source.append('org-1', [{ id: randomUUID(), type: 'C', data: {} }]);
    await copyLog(source, target);
    const copied = await target.readAll({ maxCount: 1000 });
    expect(copied).toHaveLength(46);
    expect(new Set(copied.map((e) => e.id)).size).toBe(46);
    expect(copied[45].type).toBe('C');

    const leases = new PostgresLeases({ connectionString: url, schema });
    await markRelayPublished(leases, 'organization', await target.headPosition());
    expect(await leases.checkpoint('relay:organization')).toBe(copied[45].position);
    await leases.close();
    await source.close();
    await target.close();
  });

  it('stops when the target already holds a stream under other ids', async () => {
    const source = new SqliteEventStore({ filename: ':memory:' });
    const target = new PostgresEventStore({ connectionString: url, schema });
    const stream = `clash-${randomUUID()}`;
    await source.append(stream, [{ type: 'A', data: {} }]);
    await target.append(stream, [{ type: 'Other', data: {} }]);
    await expect(copyLog(source, target)).rejects.toThrow(/revision 0: the target holds event/);
    await source.close();
    await target.close();
  });
});
