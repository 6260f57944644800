import { projectionOf } from '@lib/eventstore';
import { UserEvent } from '../users/user.decider';

const projection = projectionOf<UserEvent>();
const userIdOf = (streamName: string) => streamName.slice('user-'.length);

/**
 * Who is an Admin of which organization, from identity's own copy of organization's membership events (the
 * user streams). A deleted user stops counting at once, before organization removed the membership: the
 * last-Admin check of account deletion reads it (`account-deletion.service.ts`).
 */
export const organizationAdminsProjection = projection({
  name: 'organization-admins',
  version: 1,
  setup(db) {
    db.exec('CREATE TABLE IF NOT EXISTS id_org_admins (org_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (org_id, user_id)) WITHOUT ROWID');
    db.exec('CREATE INDEX IF NOT EXISTS id_org_admins_by_user ON id_org_admins (user_id)');
  },
  drop(db) {
    db.exec('DROP TABLE IF EXISTS id_org_admins');
  },
  prepare: (db) => ({
    add: db.prepare('INSERT OR IGNORE INTO id_org_admins (org_id, user_id) VALUES (?, ?)'),
    remove: db.prepare('DELETE FROM id_org_admins WHERE org_id = ? AND user_id = ?'),
    removeUser: db.prepare('DELETE FROM id_org_admins WHERE user_id = ?'),
  }),
  on: {
    MembershipGranted: ({ data }, s, { streamName }) =>
      void (data.role === 'Admin' ? s.add.run(data.organizationId, userIdOf(streamName)) : s.remove.run(data.organizationId, userIdOf(streamName))),
    MembershipRoleChanged: ({ data }, s, { streamName }) =>
      void (data.role === 'Admin' ? s.add.run(data.organizationId, userIdOf(streamName)) : s.remove.run(data.organizationId, userIdOf(streamName))),
    MembershipRevoked: ({ data }, s, { streamName }) => void s.remove.run(data.organizationId, userIdOf(streamName)),
    UserDeleted: ({ data }, s) => void s.removeUser.run(data.userId),
  },
});
