import { Decider, assertNever } from '@lib/eventstore';
import { Region, ResourceType, Role } from '@lib/contracts';

/**
 * What app-packaging knows of one organization, learned from organization's integration events and kept in
 * its own log: its status, members' roles (for authorization) and its resources (for bindings). One guard
 * covers all of it: the organization stream's revision, so redeliveries and stale messages are no-ops.
 */
export const orgDirectoryStream = (organizationId: string) => `org-directory-${organizationId}`;

export interface KnownResource {
  resourceId: string;
  type: ResourceType;
  kind: string;
  name: string;
  status: 'active' | 'disabled';
}

export type OrgDirectoryEvent =
  | { type: 'OrganizationRecorded'; data: { name?: string; region?: Region; status?: 'active' | 'suspended'; sourceRevision: number } }
  | { type: 'MembershipRecorded'; data: { userId: string; role: Role | null; sourceRevision: number } }
  | { type: 'ResourceRecorded'; data: { resource: KnownResource; deleted: boolean; sourceRevision: number } };

export type OrgDirectoryCommand =
  | { type: 'RecordOrganization'; change: { name?: string; region?: Region; status?: 'active' | 'suspended' }; sourceRevision: number }
  | { type: 'RecordMembership'; userId: string; role: Role | null; sourceRevision: number }
  | { type: 'RecordResource'; resource: KnownResource; deleted: boolean; sourceRevision: number };

export interface OrgDirectoryState {
  known: boolean;
  name: string;
  region: Region | null;
  status: 'active' | 'suspended';
  members: Map<string, Role>;
  resources: Map<string, KnownResource>;
  sourceRevision: number;
}

export const orgDirectoryDecider: Decider<OrgDirectoryCommand, OrgDirectoryEvent, OrgDirectoryState> = {
  initialState: () => ({ known: false, name: '', region: null, status: 'active', members: new Map(), resources: new Map(), sourceRevision: -1 }),
  evolve(state, event) {
    state.sourceRevision = event.data.sourceRevision;
    switch (event.type) {
      case 'OrganizationRecorded': {
        const { name, region, status } = event.data;
        state.known = true;
        if (name !== undefined) state.name = name;
        if (region !== undefined) state.region = region;
        if (status !== undefined) state.status = status;
        return state;
      }
      case 'MembershipRecorded':
        if (event.data.role) state.members.set(event.data.userId, event.data.role);
        else state.members.delete(event.data.userId);
        return state;
      case 'ResourceRecorded':
        if (event.data.deleted) state.resources.delete(event.data.resource.resourceId);
        else state.resources.set(event.data.resource.resourceId, event.data.resource);
        return state;
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    if (command.sourceRevision <= state.sourceRevision) return [];
    switch (command.type) {
      case 'RecordOrganization':
        return [{ type: 'OrganizationRecorded', data: { ...command.change, sourceRevision: command.sourceRevision } }];
      case 'RecordMembership':
        return [{ type: 'MembershipRecorded', data: { userId: command.userId, role: command.role, sourceRevision: command.sourceRevision } }];
      case 'RecordResource':
        return [
          { type: 'ResourceRecorded', data: { resource: command.resource, deleted: command.deleted, sourceRevision: command.sourceRevision } },
        ];
      default:
        return assertNever(command);
    }
  },
};
