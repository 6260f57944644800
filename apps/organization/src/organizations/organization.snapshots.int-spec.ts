import { AggregateRepository, SnapshotPolicy, SqliteEventStore } from '@lib/eventstore';
import { OrganizationCommand, organizationDecider, organizationSnapshots, OrganizationState } from './organization.decider';
import { OrganizationEvent, organizationStream } from './organization.events';

describe('organization snapshots', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const ORG = 'org-us-0000000000000000000000000a';
  const repository = (store: SqliteEventStore) =>
    new AggregateRepository<OrganizationCommand, OrganizationEvent, OrganizationState>(store, organizationDecider, organizationStream, {
      snapshots: organizationSnapshots as SnapshotPolicy<unknown>,
    });

  it('lets a cold load of a 2,500-member organization fold at most 1,000 events, to the same state', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const events: OrganizationEvent[] = [
      { type: 'OrganizationProvisioned', data: { organizationId: ORG, name: 'Big', region: 'us' } },
      ...Array.from({ length: 2500 }, (_, i): OrganizationEvent => ({
        type: 'MemberAdded',
        data: { organizationId: ORG, userId: `usr-${i}`, email: `m${i}@example.com`, role: i === 0 ? 'Admin' : 'Agent', via: 'invitation' },
      })),
    ];
    for (let i = 0; i < events.length; i += 500) {
      await store.append(organizationStream(ORG), events.slice(i, i + 500).map((e) => ({ ...e, metadata: { at } })));
    }
    // a command through a repository folds the stream once and writes a snapshot
    await repository(store).handle(ORG, { type: 'ChangeMemberRole', userId: 'usr-7', role: 'Developer', at, actor: { kind: 'operator' } }, { at });
    const snapshots = await store.readStream(`snapshot-${organizationStream(ORG)}`);
    expect(snapshots.length).toBeGreaterThan(0);

    const cold = repository(store);
    const reads = jest.spyOn(store, 'readStream');
    const { state, revision } = await cold.load(ORG);
    const folded = (await reads.mock.results[reads.mock.results.length - 1].value) as unknown[];
    expect(folded.length).toBeLessThanOrEqual(1000);
    expect(revision).toBe(2501);
    const full = events
      .concat([{ type: 'MemberRoleChanged', data: { organizationId: ORG, userId: 'usr-7', from: 'Agent', to: 'Developer' } }])
      .reduce(organizationDecider.evolve, organizationDecider.initialState());
    expect(state).toEqual(full);
    expect(state.members.get('usr-7')?.role).toBe('Developer');
    expect(state.admins).toBe(1);
    await store.close();
  });

  it('ignores a snapshot of another version and folds from the start', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    await store.append(organizationStream(ORG), [{ type: 'OrganizationProvisioned', data: { organizationId: ORG, name: 'Small', region: 'us' } }]);
    await store.append(`snapshot-${organizationStream(ORG)}`, [{ type: 'Snapshot', data: { version: 0, revision: 0, state: { name: 'stale' } } }]);
    const { state } = await repository(store).load(ORG);
    expect(state.name).toBe('Small');
    await store.close();
  });
});
