import { Decider, DomainError, assertNever } from '@lib/eventstore';
import { AppEvent, AppSettings, AppVersionContent, ImportOrigin, PlanEntry, Requirement } from './app.events';
import type { KnownResource } from '../directory/org-directory.decider';

/** what an import or upgrade applies in the same append, from a deployment settings document */
export interface ImportSettings {
  /** slot -> resource id, already resolved from names by the service */
  bindings: Record<string, string>;
  settings?: AppSettings;
  publish: boolean;
  /** what the service knows of the organization's resources now */
  resources: Map<string, KnownResource>;
}

export type AppCommand =
  | { type: 'CreateApp'; appId: string; organizationId: string; name: string; definition: unknown; requirements: Requirement[] }
  | {
      type: 'ImportApp';
      appId: string;
      appKey: string;
      organizationId: string;
      name: string;
      definition: unknown;
      requirements: Requirement[];
      origin: ImportOrigin;
      plan: PlanEntry[];
      apply?: ImportSettings;
    }
  | {
      type: 'UpgradeApp';
      appKey: string;
      name: string;
      definition: unknown;
      requirements: Requirement[];
      origin: ImportOrigin;
      plan: PlanEntry[];
      apply?: ImportSettings;
    }
  | { type: 'RollBackApp'; toVersion: number }
  | { type: 'UpdateApp'; name?: string; definition?: unknown; requirements?: Requirement[] }
  /** `resources` is what the service knows of the organization's resources now */
  | { type: 'BindSlots'; bindings: Record<string, string>; resources: Map<string, KnownResource> }
  | { type: 'ReleaseResource'; resourceId: string; reason: 'resource-disabled' | 'resource-deleted' }
  /** `version` defaults to the current one */
  | { type: 'PublishApp'; resources: Map<string, KnownResource>; version?: number }
  | {
      type: 'RecordExport';
      exportId: string;
      objectKey: string;
      size: number;
      sha256: string;
      fileName: string;
    };

export interface AppState {
  exists: boolean;
  appId: string;
  organizationId: string;
  name: string;
  version: number;
  definition: unknown;
  requirements: Requirement[];
  bindings: Map<string, string>;
  plan: PlanEntry[];
  publishedVersion: number | null;
  origin: ImportOrigin | null;
  /** stable across exports and imports: an upgrade finds the app it upgrades by it */
  appKey: string;
  /** every version's content, so any of them can be published or restored */
  versions: Map<number, AppVersionContent>;
  settings: AppSettings;
  exports: Map<string, { exportId: string; version: number; objectKey: string; size: number; sha256: string; fileName: string }>;
}

export const initialAppState = (): AppState => ({
  exists: false,
  appId: '',
  organizationId: '',
  name: '',
  version: 0,
  definition: null,
  requirements: [],
  bindings: new Map(),
  plan: [],
  publishedVersion: null,
  origin: null,
  appKey: '',
  versions: new Map(),
  settings: {},
  exports: new Map(),
});

export function evolveApp(state: AppState, event: AppEvent): AppState {
  switch (event.type) {
    case 'AppCreated': {
      const { name, definition, requirements } = event.data;
      state.versions.set(1, { name, definition, requirements });
      return {
        ...state,
        exists: true,
        appId: event.data.appId,
        appKey: event.data.appKey ?? event.data.appId,
        organizationId: event.data.organizationId,
        name,
        definition,
        requirements,
        origin: event.data.origin,
        version: 1,
      };
    }
    case 'AppUpdated':
    case 'AppRolledBack': {
      const { version, name, definition, requirements } = event.data;
      state.versions.set(version, { name, definition, requirements });
      return { ...state, version, name, definition, requirements };
    }
    case 'AppUpgraded': {
      const { version, name, definition, requirements, origin } = event.data;
      state.versions.set(version, { name, definition, requirements });
      return { ...state, version, name, definition, requirements, origin };
    }
    case 'AppSettingsChanged':
      return { ...state, settings: event.data.settings };
    case 'BindingPlanProposed':
      return { ...state, plan: event.data.plan };
    case 'SlotBound':
      state.bindings.set(event.data.slot, event.data.resourceId);
      return state;
    case 'SlotUnbound':
      state.bindings.delete(event.data.slot);
      return state;
    case 'AppPublished':
      return { ...state, publishedVersion: event.data.version };
    case 'AppExported': {
      const { appId: _a, ...record } = event.data;
      state.exports.set(record.exportId, record);
      return state;
    }
    default:
      return assertNever(event);
  }
}

/** what stands between the app and publishing: every slot not validly bound, with the rule it fails */
export function unmetRequirements(state: AppState, resources: Map<string, KnownResource>, requirements = state.requirements) {
  const problems: { slot: string; kind: string; problem: string }[] = [];
  for (const { slot, kind } of requirements) {
    const resourceId = state.bindings.get(slot);
    if (!resourceId) {
      problems.push({ slot, kind, problem: 'unbound' });
      continue;
    }
    const resource = resources.get(resourceId);
    if (!resource) problems.push({ slot, kind, problem: 'resource-not-found' });
    else if (resource.kind !== kind) problems.push({ slot, kind, problem: 'kind-mismatch' });
    else if (resource.status !== 'active') problems.push({ slot, kind, problem: 'resource-disabled' });
  }
  return problems;
}

export const appStatus = (state: AppState) =>
  state.requirements.every((r) => state.bindings.has(r.slot)) ? (state.publishedVersion === state.version ? 'published' : 'ready') : 'needs-configuration';

const notFound = () => new DomainError('not_found', 'app not found', 'app-not-found');

export function decideApp(command: AppCommand, state: AppState): AppEvent[] {
  if (command.type === 'CreateApp' || command.type === 'ImportApp') {
    if (state.exists) throw new DomainError('conflict', 'the app already exists', 'app-exists');
    assertRequirements(command.requirements);
    const { appId, organizationId, name, definition, requirements } = command;
    if (command.type === 'CreateApp') {
      return [{ type: 'AppCreated', data: { appId, organizationId, name, definition, requirements, origin: null, appKey: appId } }];
    }
    const created: AppEvent = { type: 'AppCreated', data: { appId, organizationId, name, definition, requirements, origin: command.origin, appKey: command.appKey } };
    const events: AppEvent[] = [created, { type: 'BindingPlanProposed', data: { appId, plan: command.plan } }];
    return command.apply ? [...events, ...applySettings(foldAll(state, events), command.apply)] : events;
  }
  if (!state.exists) throw notFound();
  const appId = state.appId;

  switch (command.type) {
    case 'UpdateApp': {
      const requirements = command.requirements ?? state.requirements;
      assertRequirements(requirements);
      return [
        {
          type: 'AppUpdated',
          data: {
            appId,
            version: state.version + 1,
            name: command.name ?? state.name,
            definition: command.definition === undefined ? state.definition : command.definition,
            requirements,
          },
        },
        ...unbindChanged(state, requirements),
      ];
    }

    case 'BindSlots': {
      if (Object.keys(command.bindings).length === 0) throw new DomainError('invalid', 'no binding given', 'no-bindings');
      return bindEvents(state, command.bindings, command.resources);
    }

    case 'UpgradeApp': {
      if (command.appKey !== state.appKey) throw new DomainError('conflict', 'the package is of another app (its app key differs)', 'app-key-mismatch');
      assertRequirements(command.requirements);
      const version = state.version + 1;
      const { name, definition, requirements, origin } = command;
      const before = new Set(state.requirements.map((r) => r.slot));
      const after = new Set(requirements.map((r) => r.slot));
      const events: AppEvent[] = [
        {
          type: 'AppUpgraded',
          data: {
            appId,
            version,
            name,
            definition,
            requirements,
            origin,
            addedSlots: requirements.filter((r) => !before.has(r.slot)).map((r) => r.slot),
            removedSlots: state.requirements.filter((r) => !after.has(r.slot)).map((r) => r.slot),
          },
        },
        { type: 'BindingPlanProposed', data: { appId, plan: command.plan } },
        ...unbindChanged(state, requirements),
      ];
      return command.apply ? [...events, ...applySettings(foldAll(state, events), command.apply)] : events;
    }

    case 'RollBackApp': {
      const content = state.versions.get(command.toVersion);
      if (!content) throw new DomainError('not_found', `the app has no version ${command.toVersion}`, 'version-not-found');
      if (command.toVersion === state.version) throw new DomainError('conflict', `version ${command.toVersion} is the current version`, 'already-current');
      return [
        { type: 'AppRolledBack', data: { appId, version: state.version + 1, restoredVersion: command.toVersion, ...content } },
        ...unbindChanged(state, content.requirements),
      ];
    }

    case 'ReleaseResource':
      return [...state.bindings]
        .filter(([, resourceId]) => resourceId === command.resourceId)
        .map(([slot, resourceId]) => ({ type: 'SlotUnbound' as const, data: { appId, slot, resourceId, reason: command.reason } }));

    case 'PublishApp':
      return publishEvents(state, command.resources, command.version ?? state.version);

    case 'RecordExport': {
      const { type: _t, ...record } = command;
      return [{ type: 'AppExported', data: { appId, version: state.version, ...record } }];
    }

    default:
      return assertNever(command);
  }
}

/** the events that bind `bindings` (slot -> resource id), or a 422 listing every binding that cannot hold */
function bindEvents(state: AppState, bindings: Record<string, string>, resources: Map<string, KnownResource>): AppEvent[] {
  const entries = Object.entries(bindings);
  const failures: { slot: string; resourceId: string; rule: string; detail: string }[] = [];
  for (const [slot, resourceId] of entries) {
    const requirement = state.requirements.find((r) => r.slot === slot);
    const resource = resources.get(resourceId);
    if (!requirement) failures.push({ slot, resourceId, rule: 'unknown-slot', detail: `the app has no slot "${slot}"` });
    else if (!resource) {
      failures.push({ slot, resourceId, rule: 'resource-not-found', detail: 'no such resource in this organization' });
    } else if (resource.kind !== requirement.kind) {
      failures.push({ slot, resourceId, rule: 'kind-mismatch', detail: `slot "${slot}" needs a ${requirement.kind}, not a ${resource.kind}` });
    } else if (resource.status !== 'active') {
      failures.push({ slot, resourceId, rule: 'resource-disabled', detail: `resource "${resource.name}" is disabled` });
    }
  }
  if (failures.length > 0) {
    throw new DomainError('unprocessable', failures.map((f) => `${f.slot}: ${f.detail}`).join('; '), failures[0].rule, { failures });
  }
  return entries
    .filter(([slot, resourceId]) => state.bindings.get(slot) !== resourceId)
    .map(([slot, resourceId]) => ({ type: 'SlotBound' as const, data: { appId: state.appId, slot, resourceId } }));
}

function publishEvents(state: AppState, resources: Map<string, KnownResource>, version: number): AppEvent[] {
  const content = state.versions.get(version);
  if (!content) throw new DomainError('not_found', `the app has no version ${version}`, 'version-not-found');
  const unmet = unmetRequirements(state, resources, content.requirements);
  if (unmet.length > 0) {
    throw new DomainError(
      'conflict',
      `the app cannot be published until every slot is validly bound: ${unmet.map((u) => `${u.slot} (${u.problem})`).join(', ')}`,
      'slots-unbound',
      { slots: unmet },
    );
  }
  if (state.publishedVersion === version) return [];
  return [{ type: 'AppPublished', data: { appId: state.appId, version } }];
}

/** a binding whose slot disappeared or changed kind no longer holds */
function unbindChanged(state: AppState, requirements: Requirement[]): AppEvent[] {
  const events: AppEvent[] = [];
  for (const [slot, resourceId] of state.bindings) {
    const before = state.requirements.find((r) => r.slot === slot);
    const after = requirements.find((r) => r.slot === slot);
    if (!after || after.kind !== before?.kind) {
      events.push({ type: 'SlotUnbound', data: { appId: state.appId, slot, resourceId, reason: 'requirement-changed' } });
    }
  }
  return events;
}

/** the state after `events`, on a copy (the maps are cloned: evolve mutates them) */
function foldAll(state: AppState, events: AppEvent[]): AppState {
  const copy: AppState = { ...state, bindings: new Map(state.bindings), versions: new Map(state.versions), exports: new Map(state.exports) };
  return events.reduce(evolveApp, copy);
}

/** deployment settings applied in the same append as an import or upgrade: all of it, or nothing */
function applySettings(state: AppState, apply: ImportSettings): AppEvent[] {
  const events = bindEvents(state, apply.bindings, apply.resources);
  if (apply.settings !== undefined) events.push({ type: 'AppSettingsChanged', data: { appId: state.appId, settings: apply.settings } });
  if (apply.publish) events.push(...publishEvents(foldAll(state, events), apply.resources, state.version));
  return events;
}

function assertRequirements(requirements: Requirement[]) {
  const seen = new Set<string>();
  for (const r of requirements) {
    if (seen.has(r.slot)) throw new DomainError('invalid', `slot "${r.slot}" is declared twice`, 'duplicate-slot');
    seen.add(r.slot);
  }
}

export const appDecider: Decider<AppCommand, AppEvent, AppState> = {
  initialState: initialAppState,
  evolve: evolveApp,
  decide: decideApp,
};
