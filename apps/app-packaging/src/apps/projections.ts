import Database from 'better-sqlite3';
import { Projection, RecordedEvent } from '@lib/eventstore';
import { AppEvent } from './app.events';

type Typed = RecordedEvent & AppEvent;

/**
 * apps by organization (for listing) and by app key (to find the app an import upgrades), bindings by resource
 * (to release a disabled or deleted resource), and every version of every app with who made it and when
 */
export const appsProjection: Projection = {
  name: 'apps',
  version: 2,
  handles: ['AppCreated', 'AppUpdated', 'AppUpgraded', 'AppRolledBack', 'SlotBound', 'SlotUnbound'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS pkg_apps (app_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL, app_key TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS pkg_apps_by_org ON pkg_apps (org_id, app_id);
      CREATE INDEX IF NOT EXISTS pkg_apps_by_key ON pkg_apps (org_id, app_key);
      CREATE TABLE IF NOT EXISTS pkg_app_versions (app_id TEXT NOT NULL, version INTEGER NOT NULL, change TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
        restored_version INTEGER, origin TEXT, PRIMARY KEY (app_id, version)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS pkg_bindings (app_id TEXT NOT NULL, slot TEXT NOT NULL, resource_id TEXT NOT NULL, PRIMARY KEY (app_id, slot)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS pkg_bindings_by_resource ON pkg_bindings (resource_id);`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS pkg_apps; DROP TABLE IF EXISTS pkg_bindings; DROP TABLE IF EXISTS pkg_app_versions;');
  },
  apply(raw, db) {
    const event = raw as Typed;
    const at = String(raw.metadata.at ?? raw.recordedAt);
    const actor = String(raw.metadata.actor ?? 'unknown');
    const version = (appId: string, v: number, change: string, restored: number | null, origin: unknown) =>
      db
        .prepare('INSERT OR REPLACE INTO pkg_app_versions (app_id, version, change, at, actor, restored_version, origin) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(appId, v, change, at, actor, restored, origin ? JSON.stringify(origin) : null);
    switch (event.type) {
      case 'AppCreated':
        db.prepare('INSERT OR REPLACE INTO pkg_apps (app_id, org_id, name, created_at, app_key) VALUES (?, ?, ?, ?, ?)').run(
          event.data.appId,
          event.data.organizationId,
          event.data.name,
          at,
          event.data.appKey ?? event.data.appId,
        );
        version(event.data.appId, 1, event.data.origin ? 'imported' : 'created', null, event.data.origin);
        return;
      case 'AppUpdated':
        db.prepare('UPDATE pkg_apps SET name = ? WHERE app_id = ?').run(event.data.name, event.data.appId);
        version(event.data.appId, event.data.version, 'edited', null, null);
        return;
      case 'AppUpgraded':
        db.prepare('UPDATE pkg_apps SET name = ? WHERE app_id = ?').run(event.data.name, event.data.appId);
        version(event.data.appId, event.data.version, 'upgraded', null, event.data.origin);
        return;
      case 'AppRolledBack':
        db.prepare('UPDATE pkg_apps SET name = ? WHERE app_id = ?').run(event.data.name, event.data.appId);
        version(event.data.appId, event.data.version, 'rolled-back', event.data.restoredVersion, null);
        return;
      case 'SlotBound':
        db.prepare('INSERT OR REPLACE INTO pkg_bindings (app_id, slot, resource_id) VALUES (?, ?, ?)').run(
          event.data.appId,
          event.data.slot,
          event.data.resourceId,
        );
        return;
      case 'SlotUnbound':
        db.prepare('DELETE FROM pkg_bindings WHERE app_id = ? AND slot = ?').run(event.data.appId, event.data.slot);
        return;
    }
  },
};

export function appsBoundTo(db: Database.Database, resourceId: string): string[] {
  return (db.prepare('SELECT DISTINCT app_id AS appId FROM pkg_bindings WHERE resource_id = ?').all(resourceId) as { appId: string }[]).map(
    (r) => r.appId,
  );
}

/** the app of this organization imported from (or exported as) `appKey`, if any */
export function appWithKey(db: Database.Database, organizationId: string, appKey: string): string | null {
  const row = db.prepare('SELECT app_id AS appId FROM pkg_apps WHERE org_id = ? AND app_key = ? ORDER BY app_id LIMIT 1').get(organizationId, appKey) as
    | { appId: string }
    | undefined;
  return row?.appId ?? null;
}

export interface AppVersionRow {
  version: number;
  change: 'created' | 'imported' | 'edited' | 'upgraded' | 'rolled-back';
  at: string;
  actor: string;
  restoredVersion: number | null;
  origin: Record<string, unknown> | null;
}

export function appVersions(db: Database.Database, appId: string): AppVersionRow[] {
  const rows = db
    .prepare('SELECT version, change, at, actor, restored_version AS restoredVersion, origin FROM pkg_app_versions WHERE app_id = ? ORDER BY version')
    .all(appId) as (Omit<AppVersionRow, 'origin'> & { origin: string | null })[];
  return rows.map((r) => ({ ...r, origin: r.origin ? JSON.parse(r.origin) : null }));
}
