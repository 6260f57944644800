import { z } from 'zod';
import { Envelope } from './envelope';
import { REGIONS, RESOURCE_TYPES, ROLES } from './regions';

export const ORGANIZATION_EVENTS_TOPIC = 'organization.events.v1';

const org = { organizationId: z.string().min(1) };
const role = z.enum(ROLES);
/** what other services may know of an org-level resource: never its config or secret */
const resource = {
  ...org,
  resourceId: z.string().min(1),
  resourceType: z.enum(RESOURCE_TYPES),
  kind: z.string().min(1),
  name: z.string(),
  status: z.enum(['active', 'disabled', 'deleted']),
};

export const organizationEventSchemas = {
  OrganizationProvisioned: z.object({ ...org, name: z.string(), region: z.enum(REGIONS) }).strict(),
  OrganizationRenamed: z.object({ ...org, name: z.string() }).strict(),
  OrganizationSuspended: z.object({ ...org }).strict(),
  OrganizationReactivated: z.object({ ...org }).strict(),
  /** an Admin requires (or stops requiring) a second factor of every member */
  OrganizationMfaRequirementChanged: z.object({ ...org, required: z.boolean() }).strict(),
  MemberAdded: z.object({ ...org, userId: z.string(), email: z.string(), role }).strict(),
  MemberRoleChanged: z.object({ ...org, userId: z.string(), role }).strict(),
  MemberRemoved: z.object({ ...org, userId: z.string() }).strict(),
  InvitationCreated: z
    .object({ ...org, invitationId: z.string(), email: z.string(), role, expiresAt: z.string().datetime() })
    .strict(),
  InvitationRevoked: z.object({ ...org, invitationId: z.string(), email: z.string() }).strict(),
  InvitationAccepted: z.object({ ...org, invitationId: z.string(), email: z.string(), userId: z.string() }).strict(),
  InvitationDeclined: z.object({ ...org, invitationId: z.string(), email: z.string(), userId: z.string() }).strict(),
  /** mailed again: a new link (derived from `sendId`) and expiry; the previous link no longer works */
  InvitationResent: z
    .object({ ...org, invitationId: z.string(), email: z.string(), role, expiresAt: z.string().datetime(), sendId: z.string() })
    .strict(),
  ResourceCreated: z.object(resource).strict(),
  ResourceUpdated: z.object(resource).strict(),
  ResourceDisabled: z.object(resource).strict(),
  ResourceEnabled: z.object(resource).strict(),
  ResourceDeleted: z.object(resource).strict(),
} as const;

export type OrganizationIntegrationEvent = {
  [K in keyof typeof organizationEventSchemas]: Envelope<K, z.infer<(typeof organizationEventSchemas)[K]>>;
}[keyof typeof organizationEventSchemas];
