import { useState } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { ROLES, type Member, type Page, type Role } from '../api/types';
import { Invitations } from './Invitations';
import { Alert, article, Field, Pager, Select, Status, Title, useAction, useLoad, usePages, Table } from '../ui';

const PAGE_SIZE = 50;

/** Members: server-side pages (cursor), a search that reads every page, and, for Admins, invitations and roles. */
export function Members({ org }: { org: string }) {
  const manage = session.can('members.manage');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const action = useAction();
  const page = useLoad<Page<Member>>(() => api.members(org, cursors[cursors.length - 1], PAGE_SIZE), [org, cursors]);
  const found = useLoad<Member[] | null>(async () => (search ? (await allMembers(org)).filter((m) => matches(m, search)) : null), [org, search]);
  const results = usePages(found.data ?? [], PAGE_SIZE);
  function reload() {
    page.reload();
    found.reload();
  }

  async function changeRole(member: Member, role: Role) {
    if (await action.run(() => api.changeRole(org, member.userId, role), `${member.email} is now ${article(role)} ${role}.`)) reload();
  }

  async function remove(member: Member) {
    if (!window.confirm(`Remove ${member.email} from the organization?`)) return;
    if (await action.run(() => api.removeMember(org, member.userId), `${member.email} was removed.`)) reload();
  }

  const rows = search ? results.rows : (page.data?.items ?? []);
  return (
    <>
      <Title>Members</Title>
      <form
        className="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(query.trim().toLowerCase());
          results.setPage(0);
        }}
      >
        <Field label="Search members by email or role" value={query} onChange={setQuery} />
        <button type="submit">Search</button>
        {search && (
          <button type="button" onClick={() => (setQuery(''), setSearch(''))}>
            Clear search
          </button>
        )}
      </form>
      <Alert>{action.error ?? page.error ?? found.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {search && found.data && <Status>{found.data.length} members match “{search}”.</Status>}
      <Table caption="Members of the organization" columns={['Email', 'Role', 'Joined', manage && 'Actions']}>
        {rows.map((m) => (
          <MemberRow key={m.userId} member={m} manage={manage} busy={action.busy} onRole={changeRole} onRemove={remove} />
        ))}
      </Table>
      {search ? (
        <Pager
          label="Search result pages"
          page={results.page}
          pages={results.pages}
          hasPrevious={results.page > 0}
          hasNext={results.page < results.pages - 1}
          onPrevious={() => results.setPage(results.page - 1)}
          onNext={() => results.setPage(results.page + 1)}
        />
      ) : (
        <Pager
          label="Member pages"
          page={cursors.length - 1}
          hasPrevious={cursors.length > 1}
          hasNext={Boolean(page.data?.nextCursor)}
          onPrevious={() => setCursors(cursors.slice(0, -1))}
          onNext={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        />
      )}
      {manage && <Invitations org={org} />}
    </>
  );
}

function MemberRow(props: { member: Member; manage: boolean; busy: boolean; onRole: (m: Member, r: Role) => void; onRemove: (m: Member) => void }) {
  const { member } = props;
  const [role, setRole] = useState<Role>(member.role);
  return (
    <tr>
      <td>{member.email}</td>
      <td>{member.role}</td>
      <td>{new Date(member.joinedAt).toLocaleDateString()}</td>
      {props.manage && (
        <td className="actions">
          <Select label={`Role for ${member.email}`} hideLabel value={role} options={ROLES} onChange={setRole} />
          <button type="button" disabled={props.busy || role === member.role} onClick={() => props.onRole(member, role)}>
            Change role<span className="visually-hidden"> of {member.email}</span>
          </button>
          <button type="button" className="danger" disabled={props.busy} onClick={() => props.onRemove(member)}>
            Remove<span className="visually-hidden"> {member.email}</span>
          </button>
        </td>
      )}
    </tr>
  );
}

async function allMembers(org: string): Promise<Member[]> {
  const all: Member[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.members(org, cursor, 200);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

function matches(member: Member, search: string) {
  return member.email.toLowerCase().includes(search) || member.role.toLowerCase() === search;
}

