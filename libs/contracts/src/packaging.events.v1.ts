import { z } from 'zod';
import { Envelope } from './envelope';

export const PACKAGING_EVENTS_TOPIC = 'packaging.events.v1';

const app = { organizationId: z.string(), appId: z.string().min(1) };

export const packagingEventSchemas = {
  AppCreated: z.object({ ...app, name: z.string() }).strict(),
  AppImported: z.object({ ...app, name: z.string() }).strict(),
  AppPublished: z.object({ ...app, version: z.number().int().positive() }).strict(),
  AppNeedsConfiguration: z.object({ ...app, slot: z.string(), reason: z.string() }).strict(),
} as const;

export type PackagingIntegrationEvent = {
  [K in keyof typeof packagingEventSchemas]: Envelope<K, z.infer<(typeof packagingEventSchemas)[K]>>;
}[keyof typeof packagingEventSchemas];
