import { z } from 'zod';
import { Envelope } from './envelope';

export const IDENTITY_EVENTS_TOPIC = 'identity.events.v1';

export const identityEventSchemas = {
  UserRegistered: z.object({ userId: z.string().min(1), email: z.string().email(), displayName: z.string() }).strict(),
  /** the user proved they receive mail at `email` (a verification link, or signing up from an invitation link) */
  EmailVerified: z.object({ userId: z.string().min(1), email: z.string().email() }).strict(),
  /** the user deleted their account: every service removes them and forgets their personal data (docs/personal-data.md) */
  UserDeleted: z.object({ userId: z.string().min(1) }).strict(),
} as const;

export type IdentityIntegrationEvent = {
  [K in keyof typeof identityEventSchemas]: Envelope<K, z.infer<(typeof identityEventSchemas)[K]>>;
}[keyof typeof identityEventSchemas];
