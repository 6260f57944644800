import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { navigate } from '../router';
import { Alert, Field, Title, useAction } from '../ui';

export function SignUp() {
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(async () => {
      await api.signUp({ email, password, displayName });
      const answer = await api.signIn({ email, password });
      // a new account has no second factor yet; should one be there, the sign-in page asks for the code
      if ('status' in answer) return navigate({ page: 'sign-in' });
      session.signedIn(answer);
      session.matrix(await api.permissions());
    });
    if (done) navigate({ page: 'organizations' });
  }

  return (
    <main id="main" className="narrow">
      <Title>Create an account</Title>
      <form onSubmit={submit} aria-label="Create an account">
        <Field label="Your name" value={displayName} onChange={setDisplayName} required autoComplete="name" />
        <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="email" />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          required
          autoComplete="new-password"
          hint="At least 12 characters; a passphrase of a few words is best."
        />
        <Alert>{action.error}</Alert>
        <button type="submit" disabled={action.busy}>
          Create account
        </button>
      </form>
      <p>
        Already have an account? <a href="#/sign-in">Sign in</a>
      </p>
    </main>
  );
}
