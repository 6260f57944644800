import { z } from 'zod';
import { Envelope } from './envelope';
import { REGIONS, ROLES } from './regions';

export const ORGANIZATION_EVENTS_TOPIC = 'organization.events.v1';

const org = { organizationId: z.string().min(1) };
const role = z.enum(ROLES);

export const organizationEventSchemas = {
  OrganizationProvisioned: z.object({ ...org, name: z.string(), region: z.enum(REGIONS) }).strict(),
  OrganizationRenamed: z.object({ ...org, name: z.string() }).strict(),
  OrganizationSuspended: z.object({ ...org }).strict(),
  OrganizationReactivated: z.object({ ...org }).strict(),
  MemberAdded: z.object({ ...org, userId: z.string(), email: z.string(), role }).strict(),
  MemberRoleChanged: z.object({ ...org, userId: z.string(), role }).strict(),
  MemberRemoved: z.object({ ...org, userId: z.string() }).strict(),
  InvitationCreated: z
    .object({ ...org, invitationId: z.string(), email: z.string(), role, expiresAt: z.string().datetime() })
    .strict(),
  InvitationRevoked: z.object({ ...org, invitationId: z.string(), email: z.string() }).strict(),
  InvitationAccepted: z.object({ ...org, invitationId: z.string(), email: z.string(), userId: z.string() }).strict(),
} as const;

export type OrganizationIntegrationEvent = {
  [K in keyof typeof organizationEventSchemas]: Envelope<K, z.infer<(typeof organizationEventSchemas)[K]>>;
}[keyof typeof organizationEventSchemas];
