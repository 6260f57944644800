import { navigate } from '../router';
import { Title } from '../ui';
import { NewAccountForm } from './NewAccountForm';

export function SignUp() {
  return (
    <main id="main" className="narrow">
      <Title>Create an account</Title>
      <NewAccountForm
        label="Create an account"
        onSignedIn={() => navigate({ page: 'organizations' })}
        // a new account has no second factor yet; should one be there, the sign-in page asks for the code
        onSecondFactor={() => navigate({ page: 'sign-in' })}
      />
      <p>
        Already have an account? <a href="#/sign-in">Sign in</a>
      </p>
    </main>
  );
}
