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

export function App() {
  const hash = useHash();
  const { user } = useSession();
  const route = parse(hash);
  const open = route.page === 'sign-in' || route.page === 'sign-up';
  const either = route.page === 'verify-email'; // the mailed link works signed in or not

  useEffect(() => {
    if (!user && !open && !either) navigate({ page: 'sign-in' });
    if (user && open) navigate({ page: 'organizations' });
    if (route.page !== 'sign-in') session.clearNotice();
  }, [user, open, either, route.page]);

  if (either) return <VerifyEmail />;
  if (!user) return route.page === 'sign-up' ? <SignUp /> : <SignIn />;
  return <SignedIn route={route} hash={hash} />;
}

function SignedIn({ route, hash }: { route: Route; hash: string }) {
  switch (route.page) {
    case 'sign-in':
    case 'sign-up':
    case 'verify-email':
    case 'organizations':
      return <Organizations />;
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
    default: {
      const never: never = route;
      return never;
    }
  }
}
