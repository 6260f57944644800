import { Region, ResourceType, Role } from '@lib/contracts';
import type { Sealed } from '../resources/secret-box';

/** an org-level resource as the organization's state holds it (the secret only sealed) */
export interface ResourceData {
  resourceId: string;
  type: ResourceType;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  secret: Sealed | null;
  /** phone numbers: E.164, provider and capabilities */
  number?: string;
  provider?: string;
  capabilities?: string[];
}

/** the stream of one organization: its profile, members and invitations, and so its audit trail */
export const organizationStream = (organizationId: string) => `organization-${organizationId}`;
export const ORGANIZATION_STREAM_PREFIX = 'organization-';

export type OrganizationEvent =
  | { type: 'OrganizationProvisioned'; data: { organizationId: string; name: string; region: Region } }
  | { type: 'OrganizationRenamed'; data: { organizationId: string; name: string; previousName: string } }
  | { type: 'OrganizationSuspended'; data: { organizationId: string; reason: string } }
  | { type: 'OrganizationReactivated'; data: { organizationId: string } }
  | {
      type: 'InvitationCreated';
      data: { organizationId: string; invitationId: string; email: string; role: Role; expiresAt: string };
    }
  | { type: 'InvitationRevoked'; data: { organizationId: string; invitationId: string; email: string } }
  | { type: 'InvitationAccepted'; data: { organizationId: string; invitationId: string; email: string; userId: string } }
  /** the invitee said no (issue 9): the invitation is closed like a revoked one */
  | { type: 'InvitationDeclined'; data: { organizationId: string; invitationId: string; email: string; userId: string } }
  /** mailed again with a new link (`sendId` derives it) and a new expiry; the previous link stops working */
  | { type: 'InvitationResent'; data: { organizationId: string; invitationId: string; email: string; role: Role; expiresAt: string; sendId: string } }
  | {
      type: 'MemberAdded';
      data: { organizationId: string; userId: string; email: string; role: Role; via: 'provisioning' | 'invitation' };
    }
  | { type: 'MemberRoleChanged'; data: { organizationId: string; userId: string; from: Role; to: Role } }
  | { type: 'MemberRemoved'; data: { organizationId: string; userId: string; email: string; role: Role; by: 'admin' | 'self' } }
  | { type: 'OrganizationKeyIssued'; data: { organizationId: string; wrappedKey: Sealed } }
  | { type: 'ResourceCreated'; data: { organizationId: string } & ResourceData }
  | {
      type: 'ResourceUpdated';
      data: ResourceRef & { changes: Partial<Pick<ResourceData, 'name' | 'config' | 'secret' | 'capabilities'>> };
    }
  | { type: 'ResourceDisabled'; data: ResourceRef }
  | { type: 'ResourceEnabled'; data: ResourceRef }
  | { type: 'ResourceDeleted'; data: ResourceRef };

/** every resource event names the resource as it is after the change (for integration events and the audit) */
export interface ResourceRef {
  organizationId: string;
  resourceId: string;
  type: ResourceType;
  kind: string;
  name: string;
  /** after the change */
  status: 'active' | 'disabled';
}

export type OrganizationEventType = OrganizationEvent['type'];
export const ORGANIZATION_EVENT_TYPES: readonly OrganizationEventType[] = [
  'OrganizationProvisioned',
  'OrganizationRenamed',
  'OrganizationSuspended',
  'OrganizationReactivated',
  'InvitationCreated',
  'InvitationRevoked',
  'InvitationAccepted',
  'InvitationDeclined',
  'InvitationResent',
  'MemberAdded',
  'MemberRoleChanged',
  'MemberRemoved',
  'OrganizationKeyIssued',
  'ResourceCreated',
  'ResourceUpdated',
  'ResourceDisabled',
  'ResourceEnabled',
  'ResourceDeleted',
];
