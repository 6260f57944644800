import { useEffect, useState } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { href } from '../router';
import { Alert, Status, Title, useAction, useSession } from '../ui';

/** a token is single use: React's development double effects (and a re-render) must not spend it twice */
const confirmations = new Map<string, Promise<void>>();

function confirm(token: string): Promise<void> {
  let pending = confirmations.get(token);
  if (!pending) {
    pending = (async () => {
      await api.verifyEmail(token);
      // a signed-in person gets a token that says so, and their view of themselves
      if (session.get().user) {
        await session.reissue();
        session.user((await api.me()).user);
      }
    })();
    confirmations.set(token, pending);
  }
  return pending;
}

/**
 * Where the mailed link lands (`/?token=…#/verify-email`): confirms the address, then drops the token from the address
 * bar and history so it is not left behind (it is spent anyway).
 */
export function VerifyEmail() {
  const { user } = useSession();
  const [token] = useState(() => new URLSearchParams(location.search).get('token') ?? '');
  const [state, setState] = useState<'confirming' | 'confirmed' | 'failed'>(token ? 'confirming' : 'failed');
  const [error, setError] = useState<string | null>(token ? null : 'This link has no token. Open the link from the mail exactly as it is, or ask for a new mail.');

  useEffect(() => {
    if (!token) return;
    let live = true;
    confirm(token).then(
      () => {
        history.replaceState(null, '', `${location.pathname}${location.hash}`);
        if (live) setState('confirmed');
      },
      (e: Error) => {
        if (live) {
          setState('failed');
          setError(e.message);
        }
      },
    );
    return () => {
      live = false;
    };
  }, [token]);

  return (
    <main id="main" className="narrow">
      <Title>{state === 'confirmed' ? 'Email address confirmed' : 'Confirm your email address'}</Title>
      {state === 'confirming' && <Status>Confirming your email address…</Status>}
      {state === 'confirmed' && (
        <>
          <Status>Your email address is confirmed. You can now join organizations and work in them.</Status>
          <p>{user ? <a href={href({ page: 'organizations' })}>Go to your organizations</a> : <a href={href({ page: 'sign-in' })}>Sign in</a>}</p>
        </>
      )}
      {state === 'failed' && (
        <>
          <Alert>{error}</Alert>
          <p>
            {user ? (
              <>
                Links work once and expire. <a href={href({ page: 'organizations' })}>Go to your organizations</a> to ask for a new mail.
              </>
            ) : (
              <>
                Links work once and expire. <a href={href({ page: 'sign-in' })}>Sign in</a> to ask for a new mail.
              </>
            )}
          </p>
        </>
      )}
    </main>
  );
}

/** shown to a signed-in person whose address is not confirmed yet: what it blocks, and a new mail on request */
export function VerifyEmailBanner() {
  const { user } = useSession();
  const action = useAction();
  if (!user || user.emailVerified !== false) return null;
  return (
    <section className="notice" aria-labelledby="verify-banner-title">
      <h2 id="verify-banner-title">Confirm your email address</h2>
      <p>
        We mailed a link to {user.email}. Open it to join organizations and work in them; until then invitations cannot be accepted.
      </p>
      <button type="button" disabled={action.busy} onClick={() => void action.run(() => api.resendVerification(), `A new link was mailed to ${user.email}.`)}>
        Resend verification mail
      </button>
      <Alert>{action.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
    </section>
  );
}
