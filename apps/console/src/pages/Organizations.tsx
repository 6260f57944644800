import { api } from '../api/api';
import { session } from '../session';
import { href } from '../router';
import { Alert, Status, Title, useAction, useLoad, useSession } from '../ui';
import { VerifyEmailBanner } from './VerifyEmail';

/** where a signed-in person lands: their organizations (role and region) and the invitations waiting for them */
export function Organizations() {
  const { memberships, user } = useSession();
  const invitations = useLoad(async () => {
    const [me, mine] = await Promise.all([api.me(), api.myInvitations()]);
    session.memberships(me.organizations);
    session.user(me.user);
    return mine.items;
  }, []);
  const action = useAction();

  async function accept(invitationId: string, name: string) {
    const done = await action.run(async () => {
      await api.accept(invitationId);
      session.memberships((await api.me()).organizations);
    }, `You joined ${name}.`);
    if (done) invitations.reload();
  }

  return (
    <main id="main" className="narrow">
      <Title>Your organizations</Title>
      <p>
        Signed in as {user?.email}. <a href={href({ page: 'profile' })}>Your profile</a> (password, two-factor authentication, sessions)
      </p>
      <VerifyEmailBanner />
      {memberships.length === 0 ? (
        <p>You do not belong to any organization yet.</p>
      ) : (
        <ul className="cards" aria-label="Organizations">
          {memberships.map((m) => (
            <li key={m.id}>
              <a href={href({ page: 'overview', org: m.id })}>
                <strong>{m.name}</strong>
              </a>
              <span>
                {m.role} · region {m.region ?? 'unknown'}
                {m.status !== 'active' ? ` · ${m.status}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h2>Invitations</h2>
      <Alert>{invitations.error ?? action.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {invitations.data && invitations.data.length === 0 && <p>No invitation is waiting for you.</p>}
      {invitations.data && invitations.data.length > 0 && (
        <ul className="cards" aria-label="Invitations">
          {invitations.data.map((i) => (
            <li key={i.invitationId}>
              <strong>{i.organizationName || i.organizationId}</strong>
              <span>
                as {i.role} · region {i.region ?? 'unknown'} · until {new Date(i.expiresAt).toLocaleDateString()}
              </span>
              <button type="button" disabled={action.busy} onClick={() => accept(i.invitationId, i.organizationName)}>
                Accept invitation to {i.organizationName || i.organizationId}
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
