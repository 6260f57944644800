import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { navigate } from '../router';
import { Field, Title, useAction, useSession, Submit } from '../ui';

/**
 * The sign-in form. On its own page it opens the organizations; embedded (the invitation link's page) it stays where
 * it is, and that page goes on once the session exists.
 */
export function SignIn({ embedded = false }: { embedded?: boolean }) {
  const { notice } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    let signedIn = false;
    await action.run(async () => {
      const answer = mfaToken
        ? await api.completeMfa(/^\s*\d{3}\s?\d{3}\s*$/.test(code) ? { mfaToken, code } : { mfaToken, recoveryCode: code })
        : await api.signIn({ email, password });
      // an account with a second factor: the password was right, now the code from the authenticator app
      if ('status' in answer) {
        setMfaToken(answer.mfaToken);
        return;
      }
      session.signedIn(answer);
      session.matrix(await api.permissions());
      signedIn = true;
    });
    if (signedIn && !embedded) navigate({ page: 'organizations' });
  }

  const form = (
    <>
      <form onSubmit={submit} aria-label="Sign in">
        <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="username" />
        <Field label="Password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
        {mfaToken && (
          <Field label="Code from your authenticator app (or a recovery code)" value={code} onChange={setCode} required autoComplete="one-time-code" />
        )}
        <Submit action={action}>Sign in</Submit>
      </form>
      <p>
        <a href="#/forgot-password">Forgot your password?</a>
      </p>
    </>
  );
  if (embedded) return form;
  return (
    <main id="main" className="narrow">
      <Title>Sign in</Title>
      {notice && <p className="notice">{notice}</p>}
      {form}
      <p>
        New here? <a href="#/sign-up">Create an account</a>
      </p>
    </main>
  );
}
