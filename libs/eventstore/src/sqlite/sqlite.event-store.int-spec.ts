import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite.event-store';

const dir = mkdtempSync(join(tmpdir(), 'es-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
eventStoreContract('sqlite (file, WAL)', async () => new SqliteEventStore({ filename: join(dir, `store-${n++}.sqlite`) }));
eventStoreContract('sqlite (memory)', async () => new SqliteEventStore({ filename: ':memory:' }));

describe('sqlite event store durability', () => {
  it('keeps every acknowledged event when reopened', async () => {
    const file = join(dir, 'reopen.sqlite');
    const first = new SqliteEventStore({ filename: file });
    await first.append('s-1', [{ type: 'A', data: { v: 1 } }], { expectedRevision: 'no_stream' });
    await first.close();
    const second = new SqliteEventStore({ filename: file });
    expect((await second.readStream('s-1')).map((e) => e.data)).toEqual([{ v: 1 }]);
    await second.close();
  });
});
