import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { navigate } from '../router';
import { Alert, Field, Title, useAction, useSession } from '../ui';

export function SignIn() {
  const { notice } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(async () => {
      session.signedIn(await api.signIn({ email, password }));
      session.matrix(await api.permissions());
    });
    if (done) navigate({ page: 'organizations' });
  }

  return (
    <main id="main" className="narrow">
      <Title>Sign in</Title>
      {notice && <p className="notice">{notice}</p>}
      <form onSubmit={submit} aria-label="Sign in">
        <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="username" />
        <Field label="Password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
        <Alert>{action.error}</Alert>
        <button type="submit" disabled={action.busy}>
          Sign in
        </button>
      </form>
      <p>
        New here? <a href="#/sign-up">Create an account</a>
      </p>
    </main>
  );
}
