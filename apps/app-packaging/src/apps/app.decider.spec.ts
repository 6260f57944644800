import { DomainError } from '@lib/eventstore';
import { DeciderSpecification } from '@lib/eventstore/testing/decider-specification';
import type { KnownResource } from '../directory/org-directory.decider';
import { AppCommand, appDecider, AppState } from './app.decider';
import { AppEvent, ImportOrigin } from './app.events';

/* given (prior events) / when (command) / then (exact events, or a DomainError code) */

const APP = 'app-1';
const ORG = 'org-us-1';
const origin = (sha: string): ImportOrigin => ({
  sourceOrganizationId: 'org-us-src',
  sourceOrganizationName: 'Source',
  sourceRegion: 'us',
  sourceAppName: 'Bot',
  sourceVersion: 1,
  exportedAt: '2026-11-01T00:00:00.000Z',
  exportedBy: 'usr-1',
  packageSha256: sha,
  crossRegion: false,
  verified: true,
  signerKeyId: 'kid-1',
});
const crm = { slot: 'crm', kind: 'salesforce' };
const sms = { slot: 'sms', kind: 'phone-number' };
const mail = { slot: 'mail', kind: 'smtp' };
const resources = new Map<string, KnownResource>([
  ['res-crm', { resourceId: 'res-crm', type: 'integration', kind: 'salesforce', name: 'CRM', status: 'active' }],
  ['res-sms', { resourceId: 'res-sms', type: 'phone-number', kind: 'phone-number', name: '+1', status: 'active' }],
  ['res-off', { resourceId: 'res-off', type: 'integration', kind: 'salesforce', name: 'Old', status: 'disabled' }],
]);

const imported = (): AppEvent[] => [
  { type: 'AppCreated', data: { appId: APP, organizationId: ORG, name: 'Bot', definition: { v: 1 }, requirements: [crm, sms], origin: origin('a'), appKey: 'key-1' } },
  { type: 'BindingPlanProposed', data: { appId: APP, plan: [] } },
];
const bound = (slot: string, resourceId: string): AppEvent => ({ type: 'SlotBound', data: { appId: APP, slot, resourceId } });

const spec = DeciderSpecification.for(appDecider);
/** the state the events fold to */
const given = (events: AppEvent[]): AppState => spec(events).state();
/** the events the command decides on that state (a refusal fails the test) */
function then(events: AppEvent[], command: AppCommand): AppEvent[] {
  const outcome = spec(events).when(command).outcome;
  if (!('events' in outcome)) throw new Error(`expected events, the command was refused: ${JSON.stringify(outcome.error)}`);
  return outcome.events;
}
/** the refusal itself, to look at its code and details */
const refused = (events: AppEvent[], command: AppCommand): DomainError => spec(events).when(command).refusal();

const upgrade = (overrides: Partial<Extract<AppCommand, { type: 'UpgradeApp' }>> = {}): AppCommand => ({
  type: 'UpgradeApp',
  appKey: 'key-1',
  name: 'Bot 2',
  definition: { v: 2 },
  requirements: [crm, mail],
  origin: origin('b'),
  plan: [],
  ...overrides,
});

describe('app decider: import with deployment settings', () => {
  const importApp = (apply?: Extract<AppCommand, { type: 'ImportApp' }>['apply']): AppCommand => ({
    type: 'ImportApp',
    appId: APP,
    appKey: 'key-1',
    organizationId: ORG,
    name: 'Bot',
    definition: { v: 1 },
    requirements: [crm, sms],
    origin: origin('a'),
    plan: [],
    apply,
  });

  it('creates, binds, records settings and publishes in one decision', () => {
    const events = then([], importApp({ bindings: { crm: 'res-crm', sms: 'res-sms' }, settings: { greeting: 'hi' }, publish: true, resources }));
    expect(events.map((e) => e.type)).toEqual(['AppCreated', 'BindingPlanProposed', 'SlotBound', 'SlotBound', 'AppSettingsChanged', 'AppPublished']);
    expect(events[5]).toEqual({ type: 'AppPublished', data: { appId: APP, version: 1 } });
  });

  it('refuses the whole import when a binding cannot hold, listing every failure', () => {
    const error = refused([], importApp({ bindings: { crm: 'res-off', sms: 'res-crm' }, publish: false, resources }));
    expect(error.code).toBe('resource-disabled');
    expect((error.details?.failures as { rule: string }[]).map((f) => f.rule)).toEqual(['resource-disabled', 'kind-mismatch']);
  });

  it('refuses to publish in the same call while a slot is unbound', () => {
    const error = refused([], importApp({ bindings: { crm: 'res-crm' }, publish: true, resources }));
    expect(error.code).toBe('slots-unbound');
    expect(error.details?.slots).toEqual([{ slot: 'sms', kind: 'phone-number', problem: 'unbound' }]);
  });
});

describe('app decider: upgrade', () => {
  it('makes a new version, keeps bindings of surviving slots and releases those of removed slots', () => {
    const events = then([...imported(), bound('crm', 'res-crm'), bound('sms', 'res-sms')], upgrade());
    expect(events).toEqual([
      {
        type: 'AppUpgraded',
        data: { appId: APP, version: 2, name: 'Bot 2', definition: { v: 2 }, requirements: [crm, mail], origin: origin('b'), addedSlots: ['mail'], removedSlots: ['sms'] },
      },
      { type: 'BindingPlanProposed', data: { appId: APP, plan: [] } },
      { type: 'SlotUnbound', data: { appId: APP, slot: 'sms', resourceId: 'res-sms', reason: 'requirement-changed' } },
    ]);
    const state = given([...imported(), bound('crm', 'res-crm'), bound('sms', 'res-sms'), ...events]);
    expect(Object.fromEntries(state.bindings)).toEqual({ crm: 'res-crm' });
    expect(state.origin?.packageSha256).toBe('b');
  });

  it('refuses a package of another app', () => {
    expect(refused(imported(), upgrade({ appKey: 'key-2' })).code).toBe('app-key-mismatch');
  });

  it('refuses an app that does not exist', () => {
    expect(refused([], upgrade()).code).toBe('app-not-found');
  });
});

describe('app decider: versions, rollback and publishing a chosen version', () => {
  const history = (): AppEvent[] => [...imported(), bound('crm', 'res-crm'), bound('sms', 'res-sms'), ...then([...imported(), bound('crm', 'res-crm'), bound('sms', 'res-sms')], upgrade())];

  it('rolls back to an earlier version as a new version, releasing bindings of slots it lacks', () => {
    const state = given(history());
    expect(state.version).toBe(2);
    const events = then(history(), { type: 'RollBackApp', toVersion: 1 });
    expect(events).toEqual([{ type: 'AppRolledBack', data: { appId: APP, version: 3, restoredVersion: 1, name: 'Bot', definition: { v: 1 }, requirements: [crm, sms] } }]);
    const after = given([...history(), ...events]);
    expect(after).toMatchObject({ version: 3, name: 'Bot', definition: { v: 1 } });
    expect(after.versions.get(2)?.name).toBe('Bot 2');
  });

  it('refuses to roll back to a version that does not exist, or to the current one', () => {
    expect(refused(history(), { type: 'RollBackApp', toVersion: 7 }).code).toBe('version-not-found');
    expect(refused(history(), { type: 'RollBackApp', toVersion: 2 }).code).toBe('already-current');
  });

  it('publishes a chosen version when its slots are bound, and refuses one whose slots are not', () => {
    // version 2 needs mail, which is unbound; version 1 needs crm and sms, and sms was released by the upgrade
    expect(refused(history(), { type: 'PublishApp', resources, version: 2 }).details?.slots).toEqual([{ slot: 'mail', kind: 'smtp', problem: 'unbound' }]);
    const rebound = [...history(), bound('sms', 'res-sms')];
    expect(then(rebound, { type: 'PublishApp', resources, version: 1 })).toEqual([{ type: 'AppPublished', data: { appId: APP, version: 1 } }]);
    expect(refused(rebound, { type: 'PublishApp', resources, version: 9 }).code).toBe('version-not-found');
  });
});
