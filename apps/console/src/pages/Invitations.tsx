import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { ROLES, type Invitation, type InvitationStatus, type Role } from '../api/types';
import { Alert, article, Field, Pager, Select, Status, useAction, useLoad, Table } from '../ui';

const PAGE_SIZE = 50;
type Filter = 'awaiting' | 'all' | InvitationStatus;
const FILTERS: readonly Filter[] = ['awaiting', 'all', 'pending', 'expired', 'accepted', 'declined', 'revoked'];
const FILTER_LABELS: Record<Filter, string> = {
  awaiting: 'Awaiting an answer (pending, expired)',
  all: 'Every state',
  pending: 'Pending',
  expired: 'Expired',
  accepted: 'Accepted',
  declined: 'Declined',
  revoked: 'Revoked',
};

function shown(filter: Filter, invitation: Invitation) {
  if (filter === 'all') return true;
  if (filter === 'awaiting') return invitation.status === 'pending' || invitation.status === 'expired';
  return invitation.status === filter;
}

/**
 * Invitations (Admins): invite by email with a role; the API's pages of every invitation with its state, filtered here;
 * a pending or expired invitation can be mailed again (a new link: the previous one stops working), a pending one revoked.
 */
export function Invitations({ org }: { org: string }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('Developer');
  const [filter, setFilter] = useState<Filter>('awaiting');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = useLoad(() => api.invitations(org, cursors[cursors.length - 1], PAGE_SIZE), [org, cursors]);
  const action = useAction();
  const rows = (page.data?.items ?? []).filter((i) => shown(filter, i));

  async function invite(event: FormEvent) {
    event.preventDefault();
    if (await action.run(() => api.invite(org, { email, role }), `${email} is invited as ${article(role)} ${role}.`)) {
      setEmail('');
      page.reload();
    }
  }

  async function revoke(i: Invitation) {
    if (await action.run(() => api.revokeInvitation(org, i.id), `The invitation of ${i.email} was revoked.`)) page.reload();
  }

  async function resend(i: Invitation) {
    if (await action.run(() => api.resendInvitation(org, i.id), `The invitation was mailed again to ${i.email}; the earlier link no longer works.`)) page.reload();
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
      <Alert>{action.error ?? page.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      <div className="inline-select">
        <Select label="Show invitations" value={filter} options={FILTERS} onChange={setFilter} labelOf={(f) => FILTER_LABELS[f]} />
      </div>
      {rows.length === 0 ? (
        <p>{filter === 'awaiting' ? 'No invitation is awaiting an answer.' : 'No invitation in this state on this page.'}</p>
      ) : (
        <Table caption="Invitations" columns={['Email', 'Role', 'State', 'Expires', 'Actions']}>
          {rows.map((i) => (
            <tr key={i.id}>
              <td>{i.email}</td>
              <td>{i.role}</td>
              <td>{i.status}</td>
              <td>{new Date(i.expiresAt).toLocaleString()}</td>
              <td className="actions">
                {(i.status === 'pending' || i.status === 'expired') && (
                  <button type="button" disabled={action.busy} onClick={() => resend(i)}>
                    Resend<span className="visually-hidden"> the invitation of {i.email}</span>
                  </button>
                )}
                {i.status === 'pending' && (
                  <button type="button" className="danger" disabled={action.busy} onClick={() => revoke(i)}>
                    Revoke<span className="visually-hidden"> the invitation of {i.email}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      {(cursors.length > 1 || page.data?.nextCursor) && (
        <Pager
          label="Invitation pages"
          page={cursors.length - 1}
          hasPrevious={cursors.length > 1}
          hasNext={Boolean(page.data?.nextCursor)}
          onPrevious={() => setCursors(cursors.slice(0, -1))}
          onNext={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        />
      )}
    </section>
  );
}
