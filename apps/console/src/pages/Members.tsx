import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { ROLES, type Member, type Page, type Role } from '../api/types';
import { Alert, Field, Pager, Select, Status, Title, useAction, useLoad, usePages } from '../ui';

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
  // the table lists invitations awaiting an answer; the API lists every state (accepted, declined, revoked too)
  const invitations = useLoad(
    async () => (manage ? (await api.invitations(org)).items.filter((i) => i.status === 'pending' || i.status === 'expired') : []),
    [org, manage],
  );

  function reload() {
    page.reload();
    found.reload();
    invitations.reload();
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
      <table>
        <caption className="visually-hidden">Members of the organization</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            {manage && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <MemberRow key={m.userId} member={m} manage={manage} busy={action.busy} onRole={changeRole} onRemove={remove} />
          ))}
        </tbody>
      </table>
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
      {manage && <Invitations org={org} items={invitations.data ?? []} error={invitations.error} onChange={reload} />}
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

function Invitations(props: { org: string; items: { id: string; email: string; role: Role; status: string; expiresAt: string }[]; error?: string; onChange: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('Developer');
  const action = useAction();

  async function invite(event: FormEvent) {
    event.preventDefault();
    if (await action.run(() => api.invite(props.org, { email, role }), `${email} is invited as ${article(role)} ${role}.`)) {
      setEmail('');
      props.onChange();
    }
  }

  async function revoke(id: string, who: string) {
    if (await action.run(() => api.revokeInvitation(props.org, id), `The invitation of ${who} was revoked.`)) props.onChange();
  }

  return (
    <section aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <form className="row" onSubmit={invite} aria-label="Invite a member">
        <Field label="Email to invite" type="email" value={email} onChange={setEmail} required />
        <Select label="Role" value={role} options={ROLES} onChange={setRole} />
        <button type="submit" disabled={action.busy}>
          Invite
        </button>
      </form>
      <Alert>{action.error ?? props.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {props.items.length === 0 ? (
        <p>No pending invitation.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Pending invitations</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td>
                <td>{i.role}</td>
                <td>{i.status}</td>
                <td>{new Date(i.expiresAt).toLocaleString()}</td>
                <td>
                  <button type="button" className="danger" disabled={action.busy} onClick={() => revoke(i.id, i.email)}>
                    Revoke<span className="visually-hidden"> the invitation of {i.email}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
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

function article(role: Role) {
  return role === 'Admin' || role === 'Agent' ? 'an' : 'a';
}
