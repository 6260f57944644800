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

/** the organization's own life: provisioning, its name, suspension, its data key */
export const LIFECYCLE_EVENT_TYPES = [
  'OrganizationProvisioned',
  'OrganizationRenamed',
  'OrganizationSuspended',
  'OrganizationReactivated',
  'OrganizationKeyIssued',
  'OrganizationMfaRequirementChanged',
] as const;
/** who belongs to it: invitations and members */
export const MEMBERSHIP_EVENT_TYPES = [
  'InvitationCreated',
  'InvitationRevoked',
  'InvitationAccepted',
  'InvitationDeclined',
  'InvitationResent',
  'MemberAdded',
  'MemberRoleChanged',
  'MemberRemoved',
] as const;
/** what it owns: integrations and phone numbers */
export const RESOURCE_EVENT_TYPES = ['ResourceCreated', 'ResourceUpdated', 'ResourceDisabled', 'ResourceEnabled', 'ResourceDeleted'] as const;

/** every event type of the organization stream: the union below is derived from it, never retyped */
export const ORGANIZATION_EVENT_TYPES = [...LIFECYCLE_EVENT_TYPES, ...MEMBERSHIP_EVENT_TYPES, ...RESOURCE_EVENT_TYPES] as const;
export type OrganizationEventType = (typeof ORGANIZATION_EVENT_TYPES)[number];

/** the data of each event type; a key missing here or in the arrays above does not compile */
export interface OrganizationEventData {
  OrganizationProvisioned: { organizationId: string; name: string; region: Region };
  OrganizationRenamed: { organizationId: string; name: string; previousName: string };
  OrganizationSuspended: { organizationId: string; reason: string };
  OrganizationReactivated: { organizationId: string };
  OrganizationKeyIssued: { organizationId: string; wrappedKey: Sealed };
  OrganizationMfaRequirementChanged: { organizationId: string; required: boolean };
  InvitationCreated: { organizationId: string; invitationId: string; email: string; role: Role; expiresAt: string };
  InvitationRevoked: { organizationId: string; invitationId: string; email: string };
  InvitationAccepted: { organizationId: string; invitationId: string; email: string; userId: string };
  /** the invitee said no (issue 9): the invitation is closed like a revoked one */
  InvitationDeclined: { organizationId: string; invitationId: string; email: string; userId: string };
  /** mailed again with a new link (`sendId` derives it) and a new expiry; the previous link stops working */
  InvitationResent: { organizationId: string; invitationId: string; email: string; role: Role; expiresAt: string; sendId: string };
  MemberAdded: { organizationId: string; userId: string; email: string; role: Role; via: 'provisioning' | 'invitation' };
  MemberRoleChanged: { organizationId: string; userId: string; from: Role; to: Role };
  MemberRemoved: { organizationId: string; userId: string; email: string; role: Role; by: 'admin' | 'self' | 'account-deleted' };
  ResourceCreated: { organizationId: string } & ResourceData;
  ResourceUpdated: ResourceRef & { changes: Partial<Pick<ResourceData, 'name' | 'config' | 'secret' | 'capabilities'>> };
  ResourceDisabled: ResourceRef;
  ResourceEnabled: ResourceRef;
  ResourceDeleted: ResourceRef;
}

/** the event of one type: `{ type, data }` */
export type EventOf<T extends OrganizationEventType> = { [K in T]: { type: K; data: OrganizationEventData[K] } }[T];
export type OrganizationEvent = EventOf<OrganizationEventType>;
export type LifecycleEvent = EventOf<(typeof LIFECYCLE_EVENT_TYPES)[number]>;
export type MembershipEvent = EventOf<(typeof MEMBERSHIP_EVENT_TYPES)[number]>;
export type ResourceEvent = EventOf<(typeof RESOURCE_EVENT_TYPES)[number]>;

/** compile-time: the data map and the type arrays name the same event types */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyTypeHasData: SameKeys<keyof OrganizationEventData, OrganizationEventType> = true;
void _everyTypeHasData;

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
