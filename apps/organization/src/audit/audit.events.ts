/**
 * What the organization records of other services' actions in its audit trail: one stream per organization,
 * apart from the organization's own stream so the write model never folds them. Each event's id is derived
 * from the producer and its event id, so a redelivery appends nothing (exactly once by event id).
 */
export const auditStream = (organizationId: string) => `audit-${organizationId}`;
export const AUDIT_STREAM_PREFIX = 'audit-';

export interface ExternalAuditData {
  organizationId: string;
  /** the producing service (a CloudEvents source, or `app-packaging`) */
  source: string;
  /** the producer's event id */
  sourceEventId: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  /** when it happened, as the producer says */
  time: string;
}

export type AuditEvent = { type: 'ExternalAuditRecorded'; data: ExternalAuditData };
export const AUDIT_EVENT_TYPES: readonly AuditEvent['type'][] = ['ExternalAuditRecorded'];
