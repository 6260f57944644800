import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { href, navigate } from '../router';
import type { MfaEnrolment } from '../api/types';
import { Alert, Field, Status, Title, useAction, useLoad, useSession, Submit, NewPasswordField } from '../ui';

/** The signed-in person's own account: password, sessions and the second factor. */
export function Profile() {
  const { user } = useSession();
  const me = useLoad(async () => {
    const answer = await api.me();
    session.user(answer.user);
    return answer.user;
  }, []);

  return (
    <main id="main" className="narrow">
      <Title>Your profile</Title>
      <p>
        <a href={href({ page: 'organizations' })}>Back to your organizations</a>
      </p>
      <Alert>{me.error}</Alert>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{user?.displayName}</dd>
        <dt>Email</dt>
        <dd>
          {user?.email} {user?.emailVerified === false ? '(not confirmed yet)' : ''}
        </dd>
      </dl>
      {me.data && <SecondFactor enabled={me.data.mfaEnabled === true} onChange={me.reload} />}
      <ChangePassword />
      <SignOutEverywhere />
    </main>
  );
}

function ChangePassword() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(async () => {
      // every other session ends; this one goes on with the fresh session the answer carries
      session.replaced(await api.changePassword({ currentPassword, newPassword }));
    }, 'Your password is changed. Every other session of your account has ended.');
    if (done) {
      setCurrent('');
      setNew('');
    }
  }

  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={submit} aria-label="Change your password">
        <Field label="Current password" type="password" value={currentPassword} onChange={setCurrent} required autoComplete="current-password" />
        <NewPasswordField label="New password" value={newPassword} onChange={setNew} />
        <Submit action={action}>Change password</Submit>
      </form>
      {action.status && <Status>{action.status}</Status>}
    </section>
  );
}

function SignOutEverywhere() {
  const action = useAction();
  async function signOut() {
    if (!window.confirm('End every session of your account, on every device, this one included?')) return;
    if (await action.run(() => api.signOutEverywhere())) {
      session.signedOut('You signed out everywhere: every session of your account has ended.');
      navigate({ page: 'sign-in' });
    }
  }
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p>Lost a device, or signed in somewhere you should not have? End every session of your account at once.</p>
      <Alert>{action.error}</Alert>
      <button type="button" className="danger" disabled={action.busy} onClick={signOut}>
        Sign out everywhere
      </button>
    </section>
  );
}

/** TOTP: enrolment (QR code and the secret for typing in), recovery codes shown once, and disabling */
function SecondFactor({ enabled, onChange }: { enabled: boolean; onChange: () => void }) {
  const [enrolment, setEnrolment] = useState<MfaEnrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  async function start() {
    await action.run(async () => setEnrolment(await api.startMfa()));
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(async () => setRecoveryCodes((await api.confirmMfa(code.replace(/\s/g, ''))).recoveryCodes));
    if (done) {
      setEnrolment(null);
      setCode('');
    }
  }

  async function disable(event: FormEvent) {
    event.preventDefault();
    const value = code.trim();
    const proof = /^\d{3}\s?\d{3}$/.test(value) ? { code: value.replace(/\s/g, '') } : { recoveryCode: value };
    if (await action.run(() => api.disableMfa({ password, ...proof }), 'The second factor is off: your password alone signs you in.')) {
      setCode('');
      setPassword('');
      onChange();
    }
  }

  return (
    <section aria-labelledby="mfa-title">
      <h2 id="mfa-title">Two-factor authentication</h2>
      <Alert>{action.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {recoveryCodes && (
        <div role="region" aria-labelledby="codes-title">
          <h3 id="codes-title">Your recovery codes</h3>
          <Status>Two-factor authentication is on.</Status>
          <p>
            Keep these codes somewhere safe: each one signs you in once without the app. They are shown this once and never again.
          </p>
          <ul className="codes" aria-label="Recovery codes">
            {recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => (setRecoveryCodes(null), onChange())}>
            I have saved my recovery codes
          </button>
        </div>
      )}
      {!recoveryCodes && !enabled && !enrolment && (
        <>
          <p>Off. With it on, signing in also asks for a code from an authenticator app; some organizations require it.</p>
          <button type="button" disabled={action.busy} onClick={start}>
            Set up an authenticator app
          </button>
        </>
      )}
      {!recoveryCodes && !enabled && enrolment && (
        <form onSubmit={confirm} aria-label="Confirm the authenticator app">
          <p>Scan this QR code with your authenticator app, or type the key in, then enter the code it shows.</p>
          <QrCode text={enrolment.otpauthUri} />
          <p>
            Key: <span className="secret" aria-label="Key to type in">{enrolment.secret}</span>
          </p>
          <Field label="Code from the app" value={code} onChange={setCode} required autoComplete="one-time-code" />
          <button type="submit" disabled={action.busy}>
            Turn on two-factor authentication
          </button>
        </form>
      )}
      {!recoveryCodes && enabled && (
        <form onSubmit={disable} aria-label="Turn off two-factor authentication">
          <p>On: signing in asks for a code from your authenticator app.</p>
          <Field label="Your password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
          <Field label="Code from the app (or a recovery code)" value={code} onChange={setCode} required autoComplete="one-time-code" />
          <button type="submit" className="danger" disabled={action.busy}>
            Turn off two-factor authentication
          </button>
        </form>
      )}
    </section>
  );
}

/** the QR code drawn in the browser (the `qrcode` library, loaded only on this page): the secret never leaves it */
function QrCode({ text }: { text: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    import('qrcode')
      .then((qr) => qr.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }))
      .then(
        (drawn) => live && setSvg(drawn),
        (e: Error) => live && setError(`The QR code could not be drawn (${e.message}); type the key in instead.`),
      );
    return () => {
      live = false;
    };
  }, [text]);
  if (error) return <Alert>{error}</Alert>;
  if (!svg) return <p aria-live="polite">Drawing the QR code…</p>;
  return <img className="qr" alt="QR code to scan with your authenticator app" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} />;
}
