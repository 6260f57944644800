import Database from 'better-sqlite3';
import { DomainError, handlersOf, projectionOf } from '@lib/eventstore';
import { ORGANIZATION_EVENT_TYPES, OrganizationEvent } from '../organizations/organization.events';
import { describeAuditEntry } from '../organizations/audit';
import { AuditEvent } from './audit.events';
import { API_KEY_EVENT_TYPES, ApiKeyEvent, describeApiKeyEvent } from '../api-keys/api-key.events';
import { describeWebhookEvent, WEBHOOK_EVENT_TYPES, WebhookEvent } from '../webhooks/webhook.events';

/** every event the audit trail describes: the organization's own, its API keys', its webhooks' and what other services recorded */
type AuditedEvent = OrganizationEvent | ApiKeyEvent | WebhookEvent | AuditEvent;

interface AuditWrite {
  insert(row: { position: number; organizationId: string; at: string; actor: string; action: string; subject: string;
    details: Record<string, unknown>; revision: number | null; source: string | null; eventId: string | null }): void;
}

const each = handlersOf<AuditedEvent, AuditWrite>();

/**
 * The organization's audit trail as one table: its own stream's events (described for people) and what other
 * services recorded in its `audit-` stream, in the order the log holds them. Filters run in SQL.
 */
export const auditProjection = projectionOf<AuditedEvent>()({
  name: 'audit',
  // 2: webhook configuration changes are audited too
  version: 2,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_audit (
      position INTEGER PRIMARY KEY, org_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
      subject TEXT NOT NULL, details TEXT NOT NULL, revision INTEGER, source TEXT, event_id TEXT)`);
    db.exec('CREATE INDEX IF NOT EXISTS org_audit_by_org ON org_audit (org_id, position)');
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_audit');
  },
  prepare(db): AuditWrite {
    const insert = db.prepare(
      'INSERT OR IGNORE INTO org_audit (position, org_id, at, actor, action, subject, details, revision, source, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return {
      insert: (r) =>
        void insert.run(r.position, r.organizationId, r.at, r.actor, r.action, r.subject, JSON.stringify(r.details), r.revision, r.source, r.eventId),
    };
  },
  on: {
    ...each(ORGANIZATION_EVENT_TYPES, (event, write, meta) => {
      const entry = describeAuditEntry(event, meta);
      write.insert({ ...entry, position: meta.position, organizationId: event.data.organizationId, source: null, eventId: null });
    }),
    ...each(API_KEY_EVENT_TYPES, (event, write, meta) => {
      const d = describeApiKeyEvent(event, meta.actor);
      write.insert({ ...d, position: meta.position, revision: meta.revision, source: null, eventId: null });
    }),
    ...each(WEBHOOK_EVENT_TYPES as ReadonlySet<WebhookEvent['type']>, (event, write, meta) => {
      const d = describeWebhookEvent(event);
      write.insert({ ...d, position: meta.position, revision: meta.revision, source: null, eventId: null });
    }),
    ExternalAuditRecorded: ({ data: d }, write, meta) =>
      write.insert({ ...d, at: d.time, position: meta.position, revision: null, source: d.source, eventId: d.sourceEventId }),
  },
});

export interface AuditFilter {
  action?: string;
  actor?: string;
  subject?: string;
  /** inclusive, ISO 8601 */
  from?: string;
  /** exclusive, ISO 8601 */
  to?: string;
}

export interface AuditItem {
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  /** the organization stream's revision (the organization's own changes) */
  revision?: number;
  /** the producing service and its event id (changes other services recorded) */
  source?: string;
  eventId?: string;
}

interface Row {
  position: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  revision: number | null;
  source: string | null;
  event_id: string | null;
}

/** newest first; the cursor is the log position of the last entry of the previous page */
export function queryAudit(db: Database.Database, organizationId: string, filter: AuditFilter, cursor: string | undefined, limit: number) {
  let before = Number.MAX_SAFE_INTEGER;
  if (cursor !== undefined) {
    before = Number(cursor);
    if (!/^\d+$/.test(cursor) || !Number.isSafeInteger(before)) throw new DomainError('invalid', 'the cursor is not valid', 'invalid-cursor');
  }
  const where = ['org_id = ?', 'position < ?'];
  const params: (string | number)[] = [organizationId, before];
  if (filter.action) {
    where.push(filter.action.endsWith('.*') ? 'action LIKE ? ESCAPE \'\\\'' : 'action = ?');
    params.push(filter.action.endsWith('.*') ? `${likeEscape(filter.action.slice(0, -1))}%` : filter.action);
  }
  if (filter.actor) {
    where.push('actor = ?');
    params.push(filter.actor);
  }
  if (filter.subject) {
    where.push('subject = ?');
    params.push(filter.subject);
  }
  if (filter.from) {
    where.push('at >= ?');
    params.push(filter.from);
  }
  if (filter.to) {
    where.push('at < ?');
    params.push(filter.to);
  }
  const rows = db
    .prepare<(string | number)[], Row>(`SELECT * FROM org_audit WHERE ${where.join(' AND ')} ORDER BY position DESC LIMIT ?`)
    .all(...params, limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit ? String(page[page.length - 1].position) : null,
  };
}

function toItem(row: Row): AuditItem {
  const base = { at: row.at, actor: row.actor, action: row.action, subject: row.subject, details: JSON.parse(row.details) as Record<string, unknown> };
  return row.revision !== null ? { ...base, revision: row.revision } : { ...base, source: row.source ?? '', eventId: row.event_id ?? '' };
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
