import Database from 'better-sqlite3';
import { Projection, RecordedEvent } from '@lib/eventstore';
import { API_KEY_EVENT_TYPES, ApiKeyEvent } from './api-key.events';

/** an organization's API keys for listing (never a secret or its hash) */
export const apiKeysProjection: Projection = {
  name: 'api-keys',
  version: 1,
  handles: [...API_KEY_EVENT_TYPES],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_api_keys (
      org_id TEXT NOT NULL, key_id TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, created_by TEXT NOT NULL,
      created_at TEXT NOT NULL, revoked_at TEXT, PRIMARY KEY (org_id, key_id)) WITHOUT ROWID`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_api_keys');
  },
  apply(raw, db) {
    const event = raw as RecordedEvent & ApiKeyEvent;
    switch (event.type) {
      case 'ApiKeyCreated': {
        const d = event.data;
        db.prepare('INSERT OR IGNORE INTO org_api_keys (org_id, key_id, name, role, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
          d.organizationId,
          d.keyId,
          d.name,
          d.role,
          d.createdBy,
          d.createdAt,
        );
        return;
      }
      case 'ApiKeyRevoked':
        db.prepare('UPDATE org_api_keys SET revoked_at = ? WHERE org_id = ? AND key_id = ?').run(event.data.revokedAt, event.data.organizationId, event.data.keyId);
        return;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};

export interface ApiKeyView {
  id: string;
  name: string;
  role: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  status: 'active' | 'revoked';
}

export function listApiKeys(db: Database.Database, organizationId: string): ApiKeyView[] {
  const rows = db
    .prepare('SELECT key_id AS id, name, role, created_by AS createdBy, created_at AS createdAt, revoked_at AS revokedAt FROM org_api_keys WHERE org_id = ? ORDER BY key_id')
    .all(organizationId) as Omit<ApiKeyView, 'status'>[];
  return rows.map((r) => ({ ...r, status: r.revokedAt ? 'revoked' : 'active' }));
}
