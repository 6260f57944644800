import { DomainError, assertNever } from '@lib/eventstore';
import type { AppVersionCommand, ImportSettings } from './app.commands';
import { AppEvent, Requirement } from './app.events';
import { AppState, foldAll } from './app.state';
import { bindEvents, publishEvents } from './app.delivery';

const notFound = () => new DomainError('not_found', 'app not found', 'app-not-found');

/** an app's versions: created or imported (with its deployment settings), edited, upgraded, rolled back */
export function decideVersions(command: AppVersionCommand, state: AppState): AppEvent[] {
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

    default:
      return assertNever(command);
  }
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
