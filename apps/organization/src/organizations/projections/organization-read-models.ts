import Database from 'better-sqlite3';
import { Projection, RecordedEvent } from '@lib/eventstore';
import { OrganizationEvent } from '../organization.events';

type Typed = RecordedEvent & OrganizationEvent;

/** organizations by id, for listing and for operators */
export const organizationsProjection: Projection = {
  name: 'organizations',
  version: 1,
  handles: ['OrganizationProvisioned', 'OrganizationRenamed', 'OrganizationSuspended', 'OrganizationReactivated', 'MemberAdded', 'MemberRemoved'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_organizations (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, status TEXT NOT NULL,
      member_count INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_organizations');
  },
  apply(raw, db) {
    const event = raw as Typed;
    const at = String(raw.metadata.at ?? raw.recordedAt);
    const s = statements(db);
    switch (event.type) {
      case 'OrganizationProvisioned':
        s.insertOrg.run(event.data.organizationId, event.data.name, event.data.region, at, at);
        return;
      case 'OrganizationRenamed':
        s.rename.run(event.data.name, at, event.data.organizationId);
        return;
      case 'OrganizationSuspended':
        s.status.run('suspended', at, event.data.organizationId);
        return;
      case 'OrganizationReactivated':
        s.status.run('active', at, event.data.organizationId);
        return;
      case 'MemberAdded':
        s.count.run(1, event.data.organizationId);
        return;
      case 'MemberRemoved':
        s.count.run(-1, event.data.organizationId);
        return;
    }
  },
};

/** members by organization, ordered by user id for cursor pagination */
export const membersProjection: Projection = {
  name: 'members',
  version: 1,
  handles: ['MemberAdded', 'MemberRoleChanged', 'MemberRemoved'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_members (
      org_id TEXT NOT NULL, user_id TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL,
      joined_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (org_id, user_id)) WITHOUT ROWID`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_members');
  },
  apply(raw, db) {
    const event = raw as Typed;
    const at = String(raw.metadata.at ?? raw.recordedAt);
    const s = statements(db);
    switch (event.type) {
      case 'MemberAdded':
        s.insertMember.run(event.data.organizationId, event.data.userId, event.data.email, event.data.role, at, at);
        return;
      case 'MemberRoleChanged':
        s.memberRole.run(event.data.to, at, event.data.organizationId, event.data.userId);
        return;
      case 'MemberRemoved':
        s.deleteMember.run(event.data.organizationId, event.data.userId);
        return;
    }
  },
};

/** invitations by id (to find an invitation's organization) and by organization */
export const invitationsProjection: Projection = {
  name: 'invitations',
  version: 1,
  handles: ['InvitationCreated', 'InvitationRevoked', 'InvitationAccepted'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_invitations (
      id TEXT PRIMARY KEY, org_id TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,
      expires_at TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS org_invitations_by_org ON org_invitations (org_id, status, created_at)`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_invitations');
  },
  apply(raw, db) {
    const event = raw as Typed;
    const s = statements(db);
    switch (event.type) {
      case 'InvitationCreated':
        s.insertInvitation.run(
          event.data.invitationId,
          event.data.organizationId,
          event.data.email,
          event.data.role,
          event.data.expiresAt,
          String(raw.metadata.at ?? raw.recordedAt),
          String(raw.metadata.actor ?? 'unknown'),
        );
        return;
      case 'InvitationRevoked':
        s.invitationStatus.run('revoked', event.data.invitationId);
        return;
      case 'InvitationAccepted':
        s.invitationStatus.run('accepted', event.data.invitationId);
        return;
    }
  },
};

export const organizationProjections = [organizationsProjection, membersProjection, invitationsProjection];

const cache = new WeakMap<Database.Database, ReturnType<typeof prepare>>();
function statements(db: Database.Database) {
  let s = cache.get(db);
  if (!s) {
    s = prepare(db);
    cache.set(db, s);
  }
  return s;
}
function prepare(db: Database.Database) {
  return {
    insertOrg: db.prepare(
      "INSERT OR IGNORE INTO org_organizations (id, name, region, status, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)",
    ),
    rename: db.prepare('UPDATE org_organizations SET name = ?, updated_at = ? WHERE id = ?'),
    status: db.prepare('UPDATE org_organizations SET status = ?, updated_at = ? WHERE id = ?'),
    count: db.prepare('UPDATE org_organizations SET member_count = member_count + ? WHERE id = ?'),
    insertMember: db.prepare(
      'INSERT OR REPLACE INTO org_members (org_id, user_id, email, role, joined_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    memberRole: db.prepare('UPDATE org_members SET role = ?, updated_at = ? WHERE org_id = ? AND user_id = ?'),
    deleteMember: db.prepare('DELETE FROM org_members WHERE org_id = ? AND user_id = ?'),
    insertInvitation: db.prepare(
      "INSERT OR REPLACE INTO org_invitations (id, org_id, email, role, status, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
    ),
    invitationStatus: db.prepare('UPDATE org_invitations SET status = ? WHERE id = ?'),
  };
}
