import { useEffect } from 'react';
import { navigate, parse, type Route } from './router';
import { session } from './session';
import { Shell } from './Shell';
import { Title, useSession } from './ui';
import { SignIn } from './pages/SignIn';
import { SignUp } from './pages/SignUp';
import { Organizations } from './pages/Organizations';
import { Overview } from './pages/Overview';
import { Members } from './pages/Members';
import { Integrations, PhoneNumbers } from './pages/Resources';
import { Apps, ImportApp, NewApp } from './pages/Apps';
import { AppDetail } from './pages/AppDetail';
import { Audit } from './pages/Audit';
import { Settings } from './pages/Settings';
import { VerifyEmail } from './pages/VerifyEmail';
import { useHash } from './router';
import { ForgotPassword, ResetPassword } from './pages/PasswordReset';
import { InvitationLink } from './pages/InvitationLink';
import { Profile } from './pages/Profile';
import { ApiKeys } from './pages/ApiKeys';

export function App() {
  const hash = useHash();
  const { user } = useSession();
  const route = parse(hash);
  const open = route.page === 'sign-in' || route.page === 'sign-up' || route.page === 'forgot-password';
  // the mailed links work signed in or not
  const either = route.page === 'verify-email' || route.page === 'reset-password' || route.page === 'invitation';

  useEffect(() => {
    if (!user && !open && !either) navigate({ page: 'sign-in' });
    if (user && open) navigate({ page: 'organizations' });
    if (route.page !== 'sign-in') session.clearNotice();
  }, [user, open, either, route.page]);

  if (route.page === 'verify-email') return <VerifyEmail />;
  if (route.page === 'reset-password') return <ResetPassword />;
  if (route.page === 'invitation') return <InvitationLink invitationId={route.invitation} />;
  if (!user) return route.page === 'sign-up' ? <SignUp /> : route.page === 'forgot-password' ? <ForgotPassword /> : <SignIn />;
  return <SignedIn route={route} hash={hash} />;
}

function SignedIn({ route, hash }: { route: Route; hash: string }) {
  switch (route.page) {
    case 'sign-in':
    case 'sign-up':
    case 'verify-email':
    case 'forgot-password':
    case 'reset-password':
    case 'invitation':
    case 'organizations':
      return <Organizations />;
    case 'profile':
      return <Profile />;
    case 'not-found':
      return (
        <main id="main" className="narrow">
          <Title>Page not found</Title>
          <p>
            Nothing lives at {route.path}. <a href="#/organizations">Go to your organizations</a>.
          </p>
        </main>
      );
    case 'overview':
      return <Shell route={route} hash={hash}><Overview org={route.org} /></Shell>;
    case 'members':
      return <Shell route={route} hash={hash}><Members org={route.org} /></Shell>;
    case 'integrations':
      return <Shell route={route} hash={hash}><Integrations org={route.org} /></Shell>;
    case 'phone-numbers':
      return <Shell route={route} hash={hash}><PhoneNumbers org={route.org} /></Shell>;
    case 'apps':
      return <Shell route={route} hash={hash}><Apps org={route.org} /></Shell>;
    case 'new-app':
      return <Shell route={route} hash={hash}><NewApp org={route.org} /></Shell>;
    case 'import-app':
      return <Shell route={route} hash={hash}><ImportApp org={route.org} /></Shell>;
    case 'app':
      return <Shell route={route} hash={hash}><AppDetail org={route.org} appId={route.app} /></Shell>;
    case 'audit':
      return <Shell route={route} hash={hash}><Audit org={route.org} /></Shell>;
    case 'settings':
      return <Shell route={route} hash={hash}><Settings org={route.org} /></Shell>;
    case 'api-keys':
      return <Shell route={route} hash={hash}><ApiKeys org={route.org} /></Shell>;
    default: {
      const never: never = route;
      return never;
    }
  }
}
