import { ReadModelDatabase, RecordedEvent } from '@lib/eventstore';
import { AppEvent, ImportOrigin } from './app.events';
import { appsProjection, AppsReadModel } from './projections';

/* given (recorded events) / then (rows, read through the read model's own queries) */

const ORG = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
const OTHER = 'org-eu-01jzzzzzzzzzzzzzzzzzzzzzzz';
const T1 = '2025-03-01T09:00:00.000Z';
const T2 = '2025-03-02T09:00:00.000Z';

let position = 0;
const recorded = (event: AppEvent, at = T1, actor = 'u-dev'): RecordedEvent => ({
  id: `ev-${++position}`,
  type: event.type,
  data: event.data,
  metadata: { at, actor },
  streamName: `app-${event.data.appId}`,
  revision: position,
  position,
  recordedAt: '2099-01-01T00:00:00.000Z',
});

const origin = { sourceOrganizationId: OTHER, sourceAppName: 'Bot', sourceVersion: 3 } as ImportOrigin;
const created = (appId: string, organizationId = ORG, extra: Partial<Extract<AppEvent, { type: 'AppCreated' }>['data']> = {}): AppEvent => ({
  type: 'AppCreated',
  data: { appId, organizationId, name: `App ${appId}`, definition: {}, requirements: [], origin: null, ...extra },
});

function given(events: RecordedEvent[]) {
  const readModels = new ReadModelDatabase(':memory:');
  appsProjection.setup(readModels.db);
  for (const event of events) if (appsProjection.handles.includes(event.type)) appsProjection.apply(event, readModels.db);
  return { readModel: new AppsReadModel(readModels), close: () => readModels.close() };
}

describe('apps projection', () => {
  it('handles exactly the event types it has handlers for', () => {
    expect([...appsProjection.handles].sort()).toEqual(['AppCreated', 'AppRolledBack', 'AppUpdated', 'AppUpgraded', 'SlotBound', 'SlotUnbound']);
  });

  it("lists an organization's apps in id order, never another organization's", () => {
    const { readModel, close } = given([recorded(created('b')), recorded(created('a')), recorded(created('c', OTHER))]);
    expect(readModel.appsOf(ORG, 10)).toEqual(['a', 'b']);
    expect(readModel.appsOf(ORG, 1)).toEqual(['a']);
    expect(readModel.appsOf(OTHER, 10)).toEqual(['c']);
    close();
  });

  it('finds the app an import upgrades by its key, falling back to the app id on events without one', () => {
    const { readModel, close } = given([recorded(created('a', ORG, { appKey: 'key-1' })), recorded(created('b'))]);
    expect(readModel.appWithKey(ORG, 'key-1')).toBe('a');
    expect(readModel.appWithKey(ORG, 'b')).toBe('b');
    expect(readModel.appWithKey(OTHER, 'key-1')).toBeNull();
    close();
  });

  it('keeps bindings by resource: a slot bound then unbound releases the resource', () => {
    const { readModel, close } = given([
      recorded(created('a')),
      recorded(created('b')),
      recorded({ type: 'SlotBound', data: { appId: 'a', slot: 'crm', resourceId: 'res-1' } }),
      recorded({ type: 'SlotBound', data: { appId: 'b', slot: 'crm', resourceId: 'res-1' } }),
      recorded({ type: 'SlotUnbound', data: { appId: 'b', slot: 'crm', resourceId: 'res-1', reason: 'requirement-changed' } }),
    ]);
    expect(readModel.appsBoundTo('res-1')).toEqual(['a']);
    expect(readModel.appsBoundTo('res-2')).toEqual([]);
    close();
  });

  it('records every version with its change, time, actor, restored version and origin', () => {
    const { readModel, close } = given([
      recorded(created('a', ORG, { origin }), T1, 'u-ada'),
      recorded({ type: 'AppUpdated', data: { appId: 'a', version: 2, name: 'Renamed', definition: {}, requirements: [] } }, T2, 'u-cy'),
      recorded({ type: 'AppRolledBack', data: { appId: 'a', version: 3, restoredVersion: 1, name: 'App a', definition: {}, requirements: [] } }, T2),
    ]);
    expect(readModel.versions('a')).toEqual([
      { version: 1, change: 'imported', at: T1, actor: 'u-ada', restoredVersion: null, origin },
      { version: 2, change: 'edited', at: T2, actor: 'u-cy', restoredVersion: null, origin: null },
      { version: 3, change: 'rolled-back', at: T2, actor: 'u-dev', restoredVersion: 1, origin: null },
    ]);
    close();
  });
});
