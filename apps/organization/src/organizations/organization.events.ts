import { Region, Role } from '@lib/contracts';

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
  | {
      type: 'MemberAdded';
      data: { organizationId: string; userId: string; email: string; role: Role; via: 'provisioning' | 'invitation' };
    }
  | { type: 'MemberRoleChanged'; data: { organizationId: string; userId: string; from: Role; to: Role } }
  | { type: 'MemberRemoved'; data: { organizationId: string; userId: string; email: string; role: Role; by: 'admin' | 'self' } };

export type OrganizationEventType = OrganizationEvent['type'];
export const ORGANIZATION_EVENT_TYPES: readonly OrganizationEventType[] = [
  'OrganizationProvisioned',
  'OrganizationRenamed',
  'OrganizationSuspended',
  'OrganizationReactivated',
  'InvitationCreated',
  'InvitationRevoked',
  'InvitationAccepted',
  'MemberAdded',
  'MemberRoleChanged',
  'MemberRemoved',
];
