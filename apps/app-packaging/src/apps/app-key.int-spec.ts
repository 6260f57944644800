import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@lib/eventstore';
import { AppKeyRepository, appKeyDecider, appKeyId, appKeyStream, createWithKey } from './app-key';
import { AppRepository } from './app.repository';
import { AppCommand } from './app.decider';

const meta = { at: '2026-12-01T00:00:00.000Z', actor: 'usr-a', organizationId: 'org-us-a' };
const importApp = (appId: string): AppCommand => ({
  type: 'ImportApp',
  appId,
  appKey: 'key-1',
  organizationId: 'org-us-a',
  name: 'Bot',
  definition: { v: 1 },
  requirements: [],
  plan: [],
  origin: {
    sourceOrganizationId: 'org-us-x',
    sourceOrganizationName: 'X',
    sourceRegion: 'us',
    sourceAppName: 'Bot',
    sourceVersion: 1,
    exportedAt: '2026-11-01T00:00:00.000Z',
    exportedBy: 'usr-x',
    packageSha256: '0'.repeat(64),
    crossRegion: false,
    verified: true,
    signerKeyId: 'k',
  },
});

describe('app key reservation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'app-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reserves a free key, keeps it for its holder, refuses it to another app', () => {
    const reserve = (appId: string) => ({ type: 'ReserveAppKey' as const, organizationId: 'org-us-a', appKey: 'k', appId });
    const events = appKeyDecider.decide(reserve('app-1'), appKeyDecider.initialState());
    expect(events).toEqual([{ type: 'AppKeyReserved', data: { organizationId: 'org-us-a', appKey: 'k', appId: 'app-1' } }]);
    const held = appKeyDecider.evolve(appKeyDecider.initialState(), events[0]);
    expect(appKeyDecider.decide(reserve('app-1'), held)).toEqual([]);
    expect(() => appKeyDecider.decide(reserve('app-2'), held)).toThrow(expect.objectContaining({ code: 'app-key-taken', details: { appId: 'app-1' } }));
  });

  it('hashes the key into the stream name, per organization', () => {
    expect(appKeyId('org-us-a', 'key-1')).not.toBe(appKeyId('org-us-b', 'key-1'));
    expect(appKeyStream(appKeyId('org-us-a', 'x'.repeat(200)))).toMatch(/^appkey-org-us-a-[0-9a-f]{40}$/);
  });

  it('creates exactly one app when two writers (two connections to one store file) race for a first import', async () => {
    const file = join(dir, 'events.sqlite');
    const stores = [new SqliteEventStore({ filename: file }), new SqliteEventStore({ filename: file })];
    const writers = stores.map((store) => ({ store, apps: new AppRepository(store), keys: new AppKeyRepository(store) }));
    // both load the (empty) key stream before either appends: the race the reservation must settle
    await Promise.all(writers.map((w) => w.keys.load(appKeyId('org-us-a', 'key-1'))));
    const results = await Promise.all(
      writers.map((w, i) => createWithKey(w.store, w.keys, { organizationId: 'org-us-a', appKey: 'key-1' }, w.apps, `app-${i}`, importApp(`app-${i}`), meta)),
    );
    expect(results[0]).toBe(results[1]);
    const winner = results[0];
    const loser = winner === 'app-0' ? 'app-1' : 'app-0';
    expect(await stores[0].streamRevision(`app-${winner}`)).toBeGreaterThanOrEqual(0);
    expect(await stores[0].streamRevision(`app-${loser}`)).toBeNull();
    expect((await writers[1].keys.load(appKeyId('org-us-a', 'key-1'))).state.appId).toBe(winner);
    for (const store of stores) await store.close();
  });
});
