import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { Field, NewPasswordField, Submit, useAction } from '../ui';

/**
 * Create an account and sign in with it, as the sign-up page and an invitation link both do. With the link's token
 * the server confirms the address at once (the link proves the mailbox). A new account has no second factor; should
 * the sign-in ask for one anyway, `onSecondFactor` decides what the person sees.
 */
export function NewAccountForm(props: {
  label: string;
  emailHint?: string;
  invitationToken?: string;
  onSignedIn?: () => void;
  onSecondFactor: () => void;
}) {
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    let signedIn = false;
    await action.run(async () => {
      await api.signUp({ email, password, displayName, ...(props.invitationToken ? { invitationToken: props.invitationToken } : {}) });
      const answer = await api.signIn({ email, password });
      if ('status' in answer) return props.onSecondFactor();
      session.signedIn(answer);
      session.matrix(await api.permissions());
      signedIn = true;
    });
    if (signedIn) props.onSignedIn?.();
  }

  return (
    <form onSubmit={submit} aria-label={props.label}>
      <Field label="Your name" value={displayName} onChange={setDisplayName} required autoComplete="name" />
      <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="email" hint={props.emailHint} />
      <NewPasswordField value={password} onChange={setPassword} />
      <Submit action={action}>Create account</Submit>
    </form>
  );
}
