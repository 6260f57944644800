import { projectionOf } from '@lib/eventstore';
import { OrganizationEvent } from '../organization.events';

const projection = projectionOf<OrganizationEvent>();

/** organizations by id, for listing and for operators */
export const organizationsProjection = projection({
  name: 'organizations',
  version: 1,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_organizations (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, status TEXT NOT NULL,
      member_count INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_organizations');
  },
  prepare: (db) => ({
    insert: db.prepare(
      "INSERT OR IGNORE INTO org_organizations (id, name, region, status, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)",
    ),
    rename: db.prepare('UPDATE org_organizations SET name = ?, updated_at = ? WHERE id = ?'),
    status: db.prepare('UPDATE org_organizations SET status = ?, updated_at = ? WHERE id = ?'),
    count: db.prepare('UPDATE org_organizations SET member_count = member_count + ? WHERE id = ?'),
  }),
  on: {
    OrganizationProvisioned: ({ data }, s, { at }) => void s.insert.run(data.organizationId, data.name, data.region, at, at),
    OrganizationRenamed: ({ data }, s, { at }) => void s.rename.run(data.name, at, data.organizationId),
    OrganizationSuspended: ({ data }, s, { at }) => void s.status.run('suspended', at, data.organizationId),
    OrganizationReactivated: ({ data }, s, { at }) => void s.status.run('active', at, data.organizationId),
    MemberAdded: ({ data }, s) => void s.count.run(1, data.organizationId),
    MemberRemoved: ({ data }, s) => void s.count.run(-1, data.organizationId),
  },
});

/** members by organization, ordered by user id for cursor pagination */
export const membersProjection = projection({
  name: 'members',
  version: 1,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_members (
      org_id TEXT NOT NULL, user_id TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL,
      joined_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (org_id, user_id)) WITHOUT ROWID`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_members');
  },
  prepare: (db) => ({
    insert: db.prepare('INSERT OR REPLACE INTO org_members (org_id, user_id, email, role, joined_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
    role: db.prepare('UPDATE org_members SET role = ?, updated_at = ? WHERE org_id = ? AND user_id = ?'),
    remove: db.prepare('DELETE FROM org_members WHERE org_id = ? AND user_id = ?'),
  }),
  on: {
    MemberAdded: ({ data }, s, { at }) => void s.insert.run(data.organizationId, data.userId, data.email, data.role, at, at),
    MemberRoleChanged: ({ data }, s, { at }) => void s.role.run(data.to, at, data.organizationId, data.userId),
    MemberRemoved: ({ data }, s) => void s.remove.run(data.organizationId, data.userId),
  },
});

/** invitations by id (to find an invitation's organization) and by organization */
export const invitationsProjection = projection({
  name: 'invitations',
  version: 1,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS org_invitations (
      id TEXT PRIMARY KEY, org_id TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,
      expires_at TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS org_invitations_by_org ON org_invitations (org_id, status, created_at)`);
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS org_invitations');
  },
  prepare: (db) => ({
    insert: db.prepare(
      "INSERT OR REPLACE INTO org_invitations (id, org_id, email, role, status, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
    ),
    status: db.prepare('UPDATE org_invitations SET status = ? WHERE id = ?'),
  }),
  on: {
    InvitationCreated: ({ data }, s, { at, actor }) =>
      void s.insert.run(data.invitationId, data.organizationId, data.email, data.role, data.expiresAt, at, actor),
    InvitationRevoked: ({ data }, s) => void s.status.run('revoked', data.invitationId),
    InvitationAccepted: ({ data }, s) => void s.status.run('accepted', data.invitationId),
  },
});

export const organizationProjections = [organizationsProjection, membersProjection, invitationsProjection];
