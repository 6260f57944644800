import Database from 'better-sqlite3';
import { DomainError, Projection, RecordedEvent } from '@lib/eventstore';
import { ORGANIZATION_EVENT_TYPES, ORGANIZATION_STREAM_PREFIX } from '../organizations/organization.events';
import { describeAuditEntry } from '../organizations/audit';
import { AUDIT_EVENT_TYPES, AUDIT_STREAM_PREFIX, AuditEvent } from './audit.events';
import { API_KEY_EVENT_TYPES, API_KEY_STREAM_PREFIX, ApiKeyEvent, describeApiKeyEvent } from '../api-keys/api-key.events';
import { describeWebhookEvent, WEBHOOK_EVENT_TYPES, WEBHOOKS_STREAM_PREFIX, WebhookEvent } from '../webhooks/webhook.events';

/**
 * The organization's audit trail as one table: its own stream's events (described for people) and what other
 * services recorded in its `audit-` stream, in the order the log holds them. Filters run in SQL.
 */
export const auditProjection: Projection = {
  name: 'audit',
  // 2: webhook configuration changes are audited too
  version: 2,
  handles: [...ORGANIZATION_EVENT_TYPES, ...AUDIT_EVENT_TYPES, ...API_KEY_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_audit (
      position INTEGER PRIMARY KEY, org_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
      subject TEXT NOT NULL, details TEXT NOT NULL, revision INTEGER, source TEXT, event_id TEXT)`);
    db.exec('CREATE INDEX IF NOT EXISTS org_audit_by_org ON org_audit (org_id, position)');
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_audit');
  },
  apply(event, db) {
    const insert = statements(db).insert;
    if (event.streamName.startsWith(ORGANIZATION_STREAM_PREFIX)) {
      const entry = describeAuditEntry(event);
      const orgId = event.streamName.slice(ORGANIZATION_STREAM_PREFIX.length);
      insert.run(event.position, orgId, entry.at, entry.actor, entry.action, entry.subject, JSON.stringify(entry.details), entry.revision, null, null);
      return;
    }
    if (event.streamName.startsWith(API_KEY_STREAM_PREFIX)) {
      const d = describeApiKeyEvent({ type: event.type, data: event.data } as ApiKeyEvent, String(event.metadata.actor ?? 'unknown'));
      insert.run(event.position, d.organizationId, d.at, d.actor, d.action, d.subject, JSON.stringify(d.details), event.revision, null, null);
      return;
    }
    if (event.streamName.startsWith(WEBHOOKS_STREAM_PREFIX)) {
      const d = describeWebhookEvent({ type: event.type, data: event.data } as WebhookEvent);
      insert.run(event.position, d.organizationId, d.at, d.actor, d.action, d.subject, JSON.stringify(d.details), event.revision, null, null);
      return;
    }
    if (event.streamName.startsWith(AUDIT_STREAM_PREFIX)) {
      const e = event as RecordedEvent & AuditEvent;
      switch (e.type) {
        case 'ExternalAuditRecorded': {
          const d = e.data;
          insert.run(event.position, d.organizationId, d.time, d.actor, d.action, d.subject, JSON.stringify(d.details), null, d.source, d.sourceEventId);
          return;
        }
        default: {
          const _exhaustive: never = e.type;
          return _exhaustive;
        }
      }
    }
  },
};

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

const cache = new WeakMap<Database.Database, { insert: Database.Statement }>();
function statements(db: Database.Database) {
  let s = cache.get(db);
  if (!s) {
    s = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO org_audit (position, org_id, at, actor, action, subject, details, revision, source, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
    cache.set(db, s);
  }
  return s;
}
