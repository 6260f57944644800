import { z } from 'zod';
import type { BusMessage } from '@lib/messaging';
import { cloudEventHeaders } from './cloudevents';

/**
 * Every integration event travels as this JSON envelope. `subject` is the ordering key (organization or
 * user id); `sourceRevision` is the revision of the source stream, so consumers can ignore what they
 * already applied and anything older.
 */
export const envelopeSchema = z
  .object({
    id: z.string().uuid(),
    type: z.string().min(1),
    schemaVersion: z.literal(1),
    source: z.enum(['identity', 'organization', 'app-packaging']),
    subject: z.string().min(1),
    sourceRevision: z.number().int().nonnegative(),
    occurredAt: z.string().datetime(),
    correlationId: z.string().optional(),
    data: z.unknown(),
  })
  .strict();

export type Envelope<T extends string = string, D = unknown> = Omit<z.infer<typeof envelopeSchema>, 'type' | 'data'> & {
  type: T;
  data: D;
};

export function toBusMessage(topic: string, envelope: Envelope): BusMessage {
  return {
    topic,
    key: envelope.subject,
    value: JSON.stringify(envelope),
    headers: {
      ...cloudEventHeaders(envelope),
      // the v1 headers, kept for one version so running consumers keep working (deprecated: read ce_*)
      'event-id': envelope.id,
      'event-type': envelope.type,
      'schema-version': String(envelope.schemaVersion),
      ...(envelope.correlationId ? { 'correlation-id': envelope.correlationId } : {}),
    },
  };
}

/** parse + validate a message against a topic's union of event schemas; the reason names what is wrong */
export function parseEnvelope<S extends Record<string, z.ZodTypeAny>>(
  message: BusMessage,
  schemas: S,
): { ok: true; value: { [K in keyof S & string]: Envelope<K, z.infer<S[K]>> }[keyof S & string] } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `invalid envelope: ${formatIssues(envelope.error)}` };
  const schema = Object.hasOwn(schemas, envelope.data.type) ? schemas[envelope.data.type] : undefined;
  if (!schema) return { ok: false, reason: `unknown event type ${envelope.data.type}` };
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) return { ok: false, reason: `invalid ${envelope.data.type}: ${formatIssues(data.error)}` };
  return { ok: true, value: { ...envelope.data, data: data.data } as never };
}

function formatIssues(error: z.ZodError) {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
