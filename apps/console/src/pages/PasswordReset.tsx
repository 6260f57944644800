import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { href } from '../router';
import { dropLinkToken, linkToken } from '../link-token';
import { Alert, Field, Status, Title, useAction, Submit, NewPasswordField } from '../ui';

/** "Forgot your password?": a reset link by mail. The answer is the same whether or not the address has an account. */
export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await action.run(() => api.requestPasswordReset(email), `If ${email} has an account, a link to choose a new password is on its way. It works once, for about 30 minutes.`);
  }

  return (
    <main id="main" className="narrow">
      <Title>Reset your password</Title>
      <form onSubmit={submit} aria-label="Reset your password">
        <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="username" />
        <Submit action={action}>Mail me a reset link</Submit>
      </form>
      {action.status && <Status>{action.status}</Status>}
      <p>
        <a href={href({ page: 'sign-in' })}>Back to sign in</a>
      </p>
    </main>
  );
}

/** where the reset mail's link lands (`/?token=…#/reset-password`): a new password; every session of the account ends */
export function ResetPassword() {
  const [token] = useState(linkToken);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeat) return action.setError('The two passwords differ: type the same new password twice.');
    if (await action.run(() => api.confirmPasswordReset(token, password))) {
      dropLinkToken(); // spent
      if (session.get().user) session.signedOut(); // the server ended every session, this one too
      setDone(true);
    }
  }

  return (
    <main id="main" className="narrow">
      <Title>{done ? 'Password changed' : 'Choose a new password'}</Title>
      {done ? (
        <>
          <Status>Your password is changed and every session of your account has ended.</Status>
          <p>
            <a href={href({ page: 'sign-in' })}>Sign in with the new password</a>
          </p>
        </>
      ) : !token ? (
        <>
          <Alert>This link has no token. Open the link from the mail exactly as it is, or ask for a new one.</Alert>
          <p>
            <a href={href({ page: 'forgot-password' })}>Ask for a new link</a>
          </p>
        </>
      ) : (
        <>
          <form onSubmit={submit} aria-label="Choose a new password">
            <NewPasswordField label="New password" value={password} onChange={setPassword} />
            <Field label="New password again" type="password" value={repeat} onChange={setRepeat} required autoComplete="new-password" />
            <Submit action={action}>Set the new password</Submit>
          </form>
          <p>
            Links work once and expire. <a href={href({ page: 'forgot-password' })}>Ask for a new link</a>
          </p>
        </>
      )}
    </main>
  );
}
