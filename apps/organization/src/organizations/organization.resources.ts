import { DomainError, assertNever } from '@lib/eventstore';
import { ResourceType } from '@lib/contracts';
import type { ResourceCommand } from './organization.commands';
import type { OrganizationState, Resource } from './organization.state';
import type { ResourceEvent } from './organization.events';
import { active, authorize, organizationNotFound } from './organization.rules';

const nameKey = (kind: string, name: string) => `${kind}\u0000${name.toLowerCase()}`;

/** a resource id under the wrong collection is as unknown as a missing one */
function resourceOf(state: OrganizationState, resourceId: string, type?: ResourceType): Resource {
  const resource = state.resources.get(resourceId);
  if (!resource || (type !== undefined && resource.type !== type)) {
    throw new DomainError('not_found', 'resource not found', 'resource-not-found');
  }
  return resource;
}

const refOf = (organizationId: string, r: Resource, status: Resource['status'] = r.status) => ({
  organizationId,
  resourceId: r.resourceId,
  type: r.type,
  kind: r.kind,
  name: r.name,
  status,
});

function assertUniqueName(state: OrganizationState, kind: string, name: string, except?: string) {
  for (const r of state.resources.values()) {
    if (r.resourceId !== except && nameKey(r.kind, r.name) === nameKey(kind, name)) {
      throw new DomainError('conflict', `a ${kind} named "${name}" already exists in this organization`, 'resource-name-taken', {
        resourceId: r.resourceId,
      });
    }
  }
}

/** integrations and phone numbers: names unique per kind, numbers unique, secrets only ever sealed */
export function decideResources(command: ResourceCommand, state: OrganizationState): ResourceEvent[] {
  if (!state.exists) throw organizationNotFound();
  const organizationId = state.id;
  authorize(state, command.actor, 'resources.manage');
  active(state);

  switch (command.type) {
    case 'CreateResource': {
      if (state.resources.has(command.resource.resourceId)) {
        throw new DomainError('conflict', 'the resource already exists', 'resource-exists');
      }
      assertUniqueName(state, command.resource.kind, command.resource.name);
      if (command.resource.number) {
        for (const r of state.resources.values()) {
          if (r.number === command.resource.number) {
            throw new DomainError('conflict', `${r.number} is already registered in this organization`, 'phone-number-taken');
          }
        }
      }
      return [{ type: 'ResourceCreated', data: { organizationId, ...command.resource } }];
    }

    case 'UpdateResource': {
      const resource = resourceOf(state, command.resourceId, command.resourceType);
      if (command.changes.name !== undefined) assertUniqueName(state, resource.kind, command.changes.name, resource.resourceId);
      if (resource.type === 'phone-number' && (command.changes.config !== undefined || command.changes.secret !== undefined)) {
        throw new DomainError('unprocessable', 'a phone number has no config or secret', 'not-applicable');
      }
      if (Object.keys(command.changes).length === 0) return [];
      const ref = { ...refOf(organizationId, resource), name: command.changes.name ?? resource.name };
      return [{ type: 'ResourceUpdated', data: { ...ref, changes: command.changes } }];
    }

    case 'DisableResource':
    case 'EnableResource': {
      const resource = resourceOf(state, command.resourceId, command.resourceType);
      const disable = command.type === 'DisableResource';
      if ((resource.status === 'disabled') === disable) return [];
      const ref = refOf(organizationId, resource, disable ? 'disabled' : 'active');
      return [disable ? { type: 'ResourceDisabled', data: ref } : { type: 'ResourceEnabled', data: ref }];
    }

    case 'DeleteResource': {
      const resource = resourceOf(state, command.resourceId, command.resourceType);
      return [{ type: 'ResourceDeleted', data: refOf(organizationId, resource) }];
    }

    default:
      return assertNever(command);
  }
}
