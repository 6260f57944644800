import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { projectionOf, ReadModelDatabase } from '@lib/eventstore';
import { READ_MODELS } from '@lib/service-kit';
import { AppEvent } from './app.events';

/**
 * apps by organization (for listing) and by app key (to find the app an import upgrades), bindings by resource
 * (to release a disabled or deleted resource), and every version of every app with who made it and when
 */
export const appsProjection = projectionOf<AppEvent>()({
  name: 'apps',
  version: 2,
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
  prepare: (db) => {
    const version = db.prepare(
      'INSERT OR REPLACE INTO pkg_app_versions (app_id, version, change, at, actor, restored_version, origin) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    return {
      insert: db.prepare('INSERT OR REPLACE INTO pkg_apps (app_id, org_id, name, created_at, app_key) VALUES (?, ?, ?, ?, ?)'),
      rename: db.prepare('UPDATE pkg_apps SET name = ? WHERE app_id = ?'),
      bind: db.prepare('INSERT OR REPLACE INTO pkg_bindings (app_id, slot, resource_id) VALUES (?, ?, ?)'),
      unbind: db.prepare('DELETE FROM pkg_bindings WHERE app_id = ? AND slot = ?'),
      version: (appId: string, v: number, change: AppVersionRow['change'], meta: { at: string; actor: string }, restored: number | null, origin: unknown) =>
        void version.run(appId, v, change, meta.at, meta.actor, restored, origin ? JSON.stringify(origin) : null),
    };
  },
  on: {
    AppCreated: ({ data }, s, meta) => {
      s.insert.run(data.appId, data.organizationId, data.name, meta.at, data.appKey ?? data.appId);
      s.version(data.appId, 1, data.origin ? 'imported' : 'created', meta, null, data.origin);
    },
    AppUpdated: ({ data }, s, meta) => {
      s.rename.run(data.name, data.appId);
      s.version(data.appId, data.version, 'edited', meta, null, null);
    },
    AppUpgraded: ({ data }, s, meta) => {
      s.rename.run(data.name, data.appId);
      s.version(data.appId, data.version, 'upgraded', meta, null, data.origin);
    },
    AppRolledBack: ({ data }, s, meta) => {
      s.rename.run(data.name, data.appId);
      s.version(data.appId, data.version, 'rolled-back', meta, data.restoredVersion, null);
    },
    SlotBound: ({ data }, s) => void s.bind.run(data.appId, data.slot, data.resourceId),
    SlotUnbound: ({ data }, s) => void s.unbind.run(data.appId, data.slot),
  },
});

export interface AppVersionRow {
  version: number;
  change: 'created' | 'imported' | 'edited' | 'upgraded' | 'rolled-back';
  at: string;
  actor: string;
  restoredVersion: number | null;
  origin: Record<string, unknown> | null;
}

const queries = (db: Database.Database) => ({
  byOrganization: db.prepare<[string, number], { id: string }>('SELECT app_id AS id FROM pkg_apps WHERE org_id = ? ORDER BY app_id LIMIT ?'),
  boundTo: db.prepare<[string], { appId: string }>('SELECT DISTINCT app_id AS appId FROM pkg_bindings WHERE resource_id = ?'),
  withKey: db.prepare<[string, string], { appId: string }>('SELECT app_id AS appId FROM pkg_apps WHERE org_id = ? AND app_key = ? ORDER BY app_id LIMIT 1'),
  versions: db.prepare<[string], Omit<AppVersionRow, 'origin'> & { origin: string | null }>(
    'SELECT version, change, at, actor, restored_version AS restoredVersion, origin FROM pkg_app_versions WHERE app_id = ? ORDER BY version',
  ),
});

/**
 * The queries over the apps projection: services call these methods, never SQL. Statements are prepared once,
 * on first use (the runner has created the tables by then), and again if the database was reopened.
 */
@Injectable()
export class AppsReadModel {
  private prepared: ReturnType<typeof queries> | null = null;
  private preparedOn: Database.Database | null = null;

  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModelDatabase) {}

  private get q() {
    if (!this.prepared || this.preparedOn !== this.readModels.db) {
      this.prepared = queries(this.readModels.db);
      this.preparedOn = this.readModels.db;
    }
    return this.prepared;
  }

  /** the ids of an organization's apps, in id order */
  appsOf(organizationId: string, limit: number): string[] {
    return this.q.byOrganization.all(organizationId, limit).map((r) => r.id);
  }

  /** the apps with a slot bound to this resource (to release it when it is disabled or deleted) */
  appsBoundTo(resourceId: string): string[] {
    return this.q.boundTo.all(resourceId).map((r) => r.appId);
  }

  /** the app of this organization imported from (or exported as) `appKey`, if any */
  appWithKey(organizationId: string, appKey: string): string | null {
    return this.q.withKey.get(organizationId, appKey)?.appId ?? null;
  }

  /** every version of an app, oldest first, with who made it, when, and where an import came from */
  versions(appId: string): AppVersionRow[] {
    return this.q.versions.all(appId).map((r) => ({ ...r, origin: r.origin ? (JSON.parse(r.origin) as Record<string, unknown>) : null }));
  }
}
