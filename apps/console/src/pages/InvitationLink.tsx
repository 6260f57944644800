import { useEffect, useState } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { href } from '../router';
import { linkToken } from '../link-token';
import type { MyInvitation } from '../api/types';
import { Alert, Status, Title, useAction, useLoad, useSession } from '../ui';
import { SignIn } from './SignIn';
import { NewAccountForm } from './NewAccountForm';

/**
 * Where the invitation mail's link lands (`/?token=…#/invitations/<id>`). Someone without an account creates it here:
 * the link's token proves the mailbox, so the address is confirmed without a second mail. Someone with an account signs
 * in. Then they accept or decline.
 */
export function InvitationLink({ invitationId }: { invitationId: string }) {
  const { user } = useSession();
  const [token] = useState(linkToken);
  const [mode, setMode] = useState<'sign-up' | 'sign-in'>('sign-up');

  if (user) return <Answer invitationId={invitationId} />;
  return (
    <main id="main" className="narrow">
      <Title>You are invited</Title>
      <p>You were invited to join an organization. Create your account with the address the invitation was mailed to, or sign in if you have one.</p>
      {mode === 'sign-up' ? (
        <>
          <h2>Create your account</h2>
          <SignUpFromLink token={token} />
          <p>
            Already have an account?{' '}
            <button type="button" className="link" onClick={() => setMode('sign-in')}>
              Sign in to answer the invitation
            </button>
          </p>
        </>
      ) : (
        <>
          <h2>Sign in</h2>
          <SignIn embedded />
          <p>
            No account yet?{' '}
            <button type="button" className="link" onClick={() => setMode('sign-up')}>
              Create your account from the invitation
            </button>
          </p>
        </>
      )}
    </main>
  );
}

function SignUpFromLink({ token }: { token: string }) {
  return (
    <NewAccountForm
      label="Create your account"
      emailHint="The address the invitation was mailed to."
      invitationToken={token || undefined}
      onSecondFactor={() => {
        throw new Error('Your account asks for a second factor: sign in instead.');
      }}
    />
  );
}

/** signed in: the invitation as the server lists it for this person, and the two answers */
function Answer({ invitationId }: { invitationId: string }) {
  const { user } = useSession();
  const mine = useLoad(async () => {
    const [me, invitations] = await Promise.all([api.me(), api.myInvitations()]);
    session.user(me.user);
    session.memberships(me.organizations);
    return invitations.items.find((i) => i.invitationId === invitationId) ?? null;
  }, [invitationId]);
  const [answered, setAnswered] = useState<{ invitation: MyInvitation; accepted: boolean } | null>(null);
  const action = useAction();

  useEffect(() => {
    // the token only served to create the account: once signed in it is not left in the address bar
    if (location.search) history.replaceState(null, '', `${location.pathname}${location.hash}`);
  }, []);

  async function accept(invitation: MyInvitation) {
    const done = await action.run(async () => {
      await api.accept(invitation.invitationId);
      session.memberships((await api.me()).organizations);
    });
    if (done) setAnswered({ invitation, accepted: true });
  }

  async function decline(invitation: MyInvitation) {
    if (await action.run(() => api.decline(invitation.invitationId))) setAnswered({ invitation, accepted: false });
  }

  const invitation = mine.data;
  const name = (i: MyInvitation) => i.organizationName || i.organizationId;
  return (
    <main id="main" className="narrow">
      <Title>Invitation</Title>
      <p>Signed in as {user?.email}.</p>
      <Alert>{mine.error ?? action.error}</Alert>
      {mine.loading && <p aria-live="polite">Loading…</p>}
      {answered?.accepted && (
        <>
          <Status>You joined {name(answered.invitation)} as {answered.invitation.role}.</Status>
          <p>
            <a href={href({ page: 'overview', org: answered.invitation.organizationId })}>Open {name(answered.invitation)}</a>
          </p>
        </>
      )}
      {answered && !answered.accepted && <Status>You declined the invitation to {name(answered.invitation)}.</Status>}
      {!answered && invitation && (
        <section aria-labelledby="invitation-org">
          <h2 id="invitation-org">{name(invitation)}</h2>
          <p>
            You are invited as {invitation.role} · region {invitation.region ?? 'unknown'} · until {new Date(invitation.expiresAt).toLocaleString()}.
          </p>
          {user?.emailVerified === false && <p className="notice">Confirm your email address first (see the mail we sent you), then come back to this link.</p>}
          <div className="row">
            <button type="button" disabled={action.busy} onClick={() => accept(invitation)}>
              Accept and join {name(invitation)}
            </button>
            <button type="button" className="danger" disabled={action.busy} onClick={() => decline(invitation)}>
              Decline
            </button>
          </div>
        </section>
      )}
      {!answered && !mine.loading && !mine.error && invitation === null && (
        <Alert>
          This invitation is not waiting for {user?.email}: it was sent to another address, already answered, revoked, or it expired. Ask the organization’s Admin
          to invite you again.
        </Alert>
      )}
      <p>
        <a href={href({ page: 'organizations' })}>Go to your organizations</a>
      </p>
    </main>
  );
}
