import { Decider, DomainError, assertNever } from '@lib/eventstore';
import { AppEvent, ImportOrigin, PlanEntry, Requirement } from './app.events';
import type { KnownResource } from '../directory/org-directory.decider';

export type AppCommand =
  | { type: 'CreateApp'; appId: string; organizationId: string; name: string; definition: unknown; requirements: Requirement[] }
  | {
      type: 'ImportApp';
      appId: string;
      organizationId: string;
      name: string;
      definition: unknown;
      requirements: Requirement[];
      origin: ImportOrigin;
      plan: PlanEntry[];
    }
  | { type: 'UpdateApp'; name?: string; definition?: unknown; requirements?: Requirement[] }
  /** `resources` is what the service knows of the organization's resources now */
  | { type: 'BindSlots'; bindings: Record<string, string>; resources: Map<string, KnownResource> }
  | { type: 'ReleaseResource'; resourceId: string; reason: 'resource-disabled' | 'resource-deleted' }
  | { type: 'PublishApp'; resources: Map<string, KnownResource> }
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
  exports: new Map(),
});

export function evolveApp(state: AppState, event: AppEvent): AppState {
  switch (event.type) {
    case 'AppCreated':
      return {
        ...state,
        exists: true,
        appId: event.data.appId,
        organizationId: event.data.organizationId,
        name: event.data.name,
        definition: event.data.definition,
        requirements: event.data.requirements,
        origin: event.data.origin,
        version: 1,
      };
    case 'AppUpdated':
      return { ...state, version: event.data.version, name: event.data.name, definition: event.data.definition, requirements: event.data.requirements };
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
export function unmetRequirements(state: AppState, resources: Map<string, KnownResource>) {
  const problems: { slot: string; kind: string; problem: string }[] = [];
  for (const { slot, kind } of state.requirements) {
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
    const origin = command.type === 'ImportApp' ? command.origin : null;
    const created: AppEvent = { type: 'AppCreated', data: { appId, organizationId, name, definition, requirements, origin } };
    return command.type === 'ImportApp' ? [created, { type: 'BindingPlanProposed', data: { appId, plan: command.plan } }] : [created];
  }
  if (!state.exists) throw notFound();
  const appId = state.appId;

  switch (command.type) {
    case 'UpdateApp': {
      const requirements = command.requirements ?? state.requirements;
      assertRequirements(requirements);
      const events: AppEvent[] = [
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
      ];
      // a binding whose slot disappeared or changed kind no longer holds
      for (const [slot, resourceId] of state.bindings) {
        const before = state.requirements.find((r) => r.slot === slot);
        const after = requirements.find((r) => r.slot === slot);
        if (!after || after.kind !== before?.kind) {
          events.push({ type: 'SlotUnbound', data: { appId, slot, resourceId, reason: 'requirement-changed' } });
        }
      }
      return events;
    }

    case 'BindSlots': {
      const entries = Object.entries(command.bindings);
      if (entries.length === 0) throw new DomainError('invalid', 'no binding given', 'no-bindings');
      const failures: { slot: string; resourceId: string; rule: string; detail: string }[] = [];
      for (const [slot, resourceId] of entries) {
        const requirement = state.requirements.find((r) => r.slot === slot);
        const resource = command.resources.get(resourceId);
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
        .map(([slot, resourceId]) => ({ type: 'SlotBound' as const, data: { appId, slot, resourceId } }));
    }

    case 'ReleaseResource':
      return [...state.bindings]
        .filter(([, resourceId]) => resourceId === command.resourceId)
        .map(([slot, resourceId]) => ({ type: 'SlotUnbound' as const, data: { appId, slot, resourceId, reason: command.reason } }));

    case 'PublishApp': {
      const unmet = unmetRequirements(state, command.resources);
      if (unmet.length > 0) {
        throw new DomainError(
          'conflict',
          `the app cannot be published until every slot is validly bound: ${unmet.map((u) => `${u.slot} (${u.problem})`).join(', ')}`,
          'slots-unbound',
          { slots: unmet },
        );
      }
      if (state.publishedVersion === state.version) return [];
      return [{ type: 'AppPublished', data: { appId, version: state.version } }];
    }

    case 'RecordExport': {
      const { type: _t, ...record } = command;
      return [{ type: 'AppExported', data: { appId, version: state.version, ...record } }];
    }

    default:
      return assertNever(command);
  }
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
