import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { DomainError, PreparedQueries, ReadModelDatabase } from '@lib/eventstore';
import { READ_MODELS } from '@lib/service-kit';
import { Role } from '@lib/contracts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface OrganizationRow {
  id: string;
  name: string;
  region: string;
  status: string;
  memberCount: number;
  createdAt: string;
}

export interface MemberRow {
  userId: string;
  email: string;
  role: Role;
  joinedAt: string;
}

/** `limit + 1` rows in, one page out: the extra row only says there is a next page */
export function paginate<T>(rows: T[], limit: number, key: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? key(items[items.length - 1]) : null };
}

/**
 * The queries over the organizations, members and invitations projections (organization-read-models.ts):
 * services call these methods, never SQL. Statements are prepared once, on first use (the runner has
 * created the tables by then).
 */
@Injectable()
export class OrganizationReadModel {
  private readonly queries: PreparedQueries<ReturnType<typeof prepare>>;

  constructor(@Inject(READ_MODELS) readModels: ReadModelDatabase) {
    this.queries = new PreparedQueries(readModels, prepare);
  }

  private get q() {
    return this.queries.q;
  }

  listOrganizations(cursor: string | undefined, limit: number): Page<OrganizationRow> {
    return paginate(this.q.organizations.all(cursor ?? '', limit + 1), limit, (r) => r.id);
  }

  listMembers(organizationId: string, cursor: string | undefined, limit: number): Page<MemberRow> {
    return paginate(this.q.members.all(organizationId, cursor ?? '', limit + 1), limit, (r) => r.userId);
  }

  /** which organization an invitation belongs to (a lookup for routing; the write model decides) */
  organizationOfInvitation(invitationId: string): string {
    const row = this.q.invitationOrg.get(invitationId);
    if (!row) throw new DomainError('not_found', 'invitation not found', 'invitation-not-found');
    return row.orgId;
  }
}

function prepare(db: Database.Database) {
  return {
    organizations: db.prepare<[string, number], OrganizationRow>(
      'SELECT id, name, region, status, member_count AS memberCount, created_at AS createdAt FROM org_organizations WHERE id > ? ORDER BY id LIMIT ?',
    ),
    members: db.prepare<[string, string, number], MemberRow>(
      'SELECT user_id AS userId, email, role, joined_at AS joinedAt FROM org_members WHERE org_id = ? AND user_id > ? ORDER BY user_id LIMIT ?',
    ),
    invitationOrg: db.prepare<[string], { orgId: string }>('SELECT org_id AS orgId FROM org_invitations WHERE id = ?'),
  };
}
