import { DomainError, assertNever } from '@lib/eventstore';
import type { KnownResource } from '../directory/org-directory.decider';
import type { AppDeliveryCommand } from './app.commands';
import { AppEvent } from './app.events';
import { AppState, unmetRequirements } from './app.state';

const notFound = () => new DomainError('not_found', 'app not found', 'app-not-found');

/** slot bindings, releasing a resource that went away, publishing a version, recording an export */
export function decideDelivery(command: AppDeliveryCommand, state: AppState): AppEvent[] {
  if (!state.exists) throw notFound();
  const appId = state.appId;

  switch (command.type) {
    case 'BindSlots': {
      if (Object.keys(command.bindings).length === 0) throw new DomainError('invalid', 'no binding given', 'no-bindings');
      return bindEvents(state, command.bindings, command.resources);
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
export function bindEvents(state: AppState, bindings: Record<string, string>, resources: Map<string, KnownResource>): AppEvent[] {
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

export function publishEvents(state: AppState, resources: Map<string, KnownResource>, version: number): AppEvent[] {
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
