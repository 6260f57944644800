import { assertNever } from '@lib/eventstore';
import { AppEvent, AppSettings, AppVersionContent, ImportOrigin, PlanEntry, Requirement } from './app.events';
import type { KnownResource } from '../directory/org-directory.decider';

/** an app's fold: what every command group decides on */

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

/** the state after `events`, on a copy (the maps are cloned: evolve mutates them) */
export function foldAll(state: AppState, events: AppEvent[]): AppState {
  const copy: AppState = { ...state, bindings: new Map(state.bindings), versions: new Map(state.versions), exports: new Map(state.exports) };
  return events.reduce(evolveApp, copy);
}
