import { z } from 'zod';
import { Envelope } from './envelope';

export const PACKAGING_EVENTS_TOPIC = 'packaging.events.v1';

export const APP_AUDIT_ACTIONS = ['app.created', 'app.updated', 'app.bound', 'app.published', 'app.exported', 'app.imported'] as const;
export type AppAuditAction = (typeof APP_AUDIT_ACTIONS)[number];

const app = { organizationId: z.string(), appId: z.string().min(1) };

export const packagingEventSchemas = {
  AppCreated: z.object({ ...app, name: z.string() }).strict(),
  AppImported: z.object({ ...app, name: z.string() }).strict(),
  AppPublished: z.object({ ...app, version: z.number().int().positive() }).strict(),
  AppNeedsConfiguration: z.object({ ...app, slot: z.string(), reason: z.string() }).strict(),
  /**
   * added in v1 (additive): every action on an app, with who did it, for organizations' audit trails.
   * Exports and imports carry the package's SHA-256 checksum in `details.sha256`.
   */
  AppAudited: z
    .object({
      ...app,
      action: z.enum(APP_AUDIT_ACTIONS),
      actor: z.string().min(1),
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    })
    .strict(),
} as const;

export type PackagingIntegrationEvent = {
  [K in keyof typeof packagingEventSchemas]: Envelope<K, z.infer<(typeof packagingEventSchemas)[K]>>;
}[keyof typeof packagingEventSchemas];
