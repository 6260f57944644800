import { z } from 'zod';
import type { BusMessage } from '@lib/messaging';
import { cloudEventType, readCloudEventHeaders } from './cloudevents';

/**
 * Internal services (the app studio, the runtime…) publish organization-scoped audit events here. A record is
 * a CloudEvent in Kafka binary mode: `ce_id` (unique per `ce_source`), `ce_source` (the producing service,
 * which the audit trail names), `ce_type` = `io.controlplane.AuditEvent`, `ce_specversion` 1.0, and a JSON
 * value of the schema below. The organization service records each in the organization's audit trail once.
 */
export const AUDIT_INGEST_TOPIC = 'audit.ingest.v1';
export const AUDIT_EVENT_TYPE = 'AuditEvent';

const scalar = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);
/** details stay flat and small: a trail entry, not a payload store (nesting is refused, not truncated) */
const details = z.record(z.string().min(1).max(100), z.union([scalar, z.array(scalar).max(100)])).refine((d) => Object.keys(d).length <= 50, {
  message: 'at most 50 details',
});

export const auditIngestSchemas = {
  [AUDIT_EVENT_TYPE]: z
    .object({
      organizationId: z.string().min(1),
      /** who did it: a user id, `operator`, or `system:<name>` */
      actor: z.string().min(1).max(200),
      /** dotted, lower case: `app.deployed`, `runtime.secret_read` */
      action: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'a dotted lower-case name such as app.deployed').max(100),
      /** `kind:id`, e.g. `app:app-123` */
      subject: z.string().regex(/^[a-z][a-z0-9_-]*:.+$/, 'kind:id, such as app:app-123').max(300),
      details: details.default({}),
      time: z.string().datetime(),
    })
    .strict(),
} as const;

export type AuditIngestData = z.infer<(typeof auditIngestSchemas)[typeof AUDIT_EVENT_TYPE]>;
export interface AuditIngestEvent {
  id: string;
  /** the producing service (the CloudEvents source) */
  source: string;
  data: AuditIngestData;
}

/** validates one audit.ingest.v1 record; the reason names what is wrong (it becomes the dead letter's reason) */
export function parseAuditIngest(message: BusMessage): { ok: true; value: AuditIngestEvent } | { ok: false; reason: string } {
  const context = readCloudEventHeaders(message);
  if (!context.ok) return context;
  const { id, source, type } = context.value;
  if (type !== cloudEventType(AUDIT_EVENT_TYPE)) return { ok: false, reason: `unknown ce_type ${type} (expected ${cloudEventType(AUDIT_EVENT_TYPE)})` };
  if (id.length > 200 || source.length > 200) return { ok: false, reason: 'ce_id and ce_source must be at most 200 characters' };
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const data = auditIngestSchemas[AUDIT_EVENT_TYPE].safeParse(json);
  if (!data.success) {
    return { ok: false, reason: `invalid ${AUDIT_EVENT_TYPE}: ${data.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  }
  return { ok: true, value: { id, source, data: data.data } };
}
