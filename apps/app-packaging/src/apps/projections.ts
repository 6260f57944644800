import Database from 'better-sqlite3';
import { Projection, RecordedEvent } from '@lib/eventstore';
import { AppEvent } from './app.events';

type Typed = RecordedEvent & AppEvent;

/** apps by organization (for listing) and bindings by resource (to release a disabled or deleted resource) */
export const appsProjection: Projection = {
  name: 'apps',
  version: 1,
  handles: ['AppCreated', 'AppUpdated', 'SlotBound', 'SlotUnbound'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS pkg_apps (app_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS pkg_apps_by_org ON pkg_apps (org_id, app_id);
      CREATE TABLE IF NOT EXISTS pkg_bindings (app_id TEXT NOT NULL, slot TEXT NOT NULL, resource_id TEXT NOT NULL, PRIMARY KEY (app_id, slot)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS pkg_bindings_by_resource ON pkg_bindings (resource_id);`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS pkg_apps; DROP TABLE IF EXISTS pkg_bindings;');
  },
  apply(raw, db) {
    const event = raw as Typed;
    switch (event.type) {
      case 'AppCreated':
        db.prepare('INSERT OR REPLACE INTO pkg_apps (app_id, org_id, name, created_at) VALUES (?, ?, ?, ?)').run(
          event.data.appId,
          event.data.organizationId,
          event.data.name,
          String(raw.metadata.at ?? raw.recordedAt),
        );
        return;
      case 'AppUpdated':
        db.prepare('UPDATE pkg_apps SET name = ? WHERE app_id = ?').run(event.data.name, event.data.appId);
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
