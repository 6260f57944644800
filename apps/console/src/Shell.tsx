import { useEffect, useState, type ReactNode } from 'react';
import { api } from './api/api';
import { session } from './session';
import { href, navigate, type Route } from './router';
import { Alert, useSession } from './ui';

type OrgRoute = Extract<Route, { org: string }>;

/** what each page needs from the permission matrix (GET /v1/permissions) */
export const PAGE_PERMISSION: Record<OrgRoute['page'], string> = {
  overview: 'console.access',
  members: 'members.read',
  integrations: 'resources.read',
  'phone-numbers': 'resources.read',
  apps: 'apps.read',
  app: 'apps.read',
  'new-app': 'apps.edit',
  'import-app': 'apps.import',
  audit: 'audit.read',
  settings: 'console.access',
  'api-keys': 'organization.manage',
};

const NAV: { page: OrgRoute['page']; label: string }[] = [
  { page: 'overview', label: 'Overview' },
  { page: 'members', label: 'Members' },
  { page: 'integrations', label: 'Integrations' },
  { page: 'phone-numbers', label: 'Phone numbers' },
  { page: 'apps', label: 'Apps' },
  { page: 'audit', label: 'Audit' },
  { page: 'settings', label: 'Settings' },
  { page: 'api-keys', label: 'API keys' },
];

/**
 * The frame of every organization page. On each navigation it asks the server again which role the person holds
 * (GET /v1/me), so a role changed by an Admin shows on the next navigation, and it scopes the session to the
 * organization in the address (switching needs no new sign-in: the session's token is exchanged for another).
 */
export function Shell({ route, hash, children }: { route: OrgRoute; hash: string; children: ReactNode }) {
  const state = useSession();
  const [readyFor, setReadyFor] = useState<string | null>(null);
  const ready = readyFor === route.org;
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    (async () => {
      const [me, matrix] = await Promise.all([api.me(), state.matrix ? Promise.resolve(state.matrix) : api.permissions()]);
      session.memberships(me.organizations);
      session.matrix(matrix);
      if (!me.organizations.some((m) => m.id === route.org)) throw new Error('You are not a member of this organization (any more).');
      if (session.get().organizationId !== route.org) session.organizationSelected(route.org, await api.select(route.org));
    })().then(
      () => live && setReadyFor(route.org),
      (e: Error) => live && (setError(e.message), setReadyFor(null)),
    );
    return () => {
      live = false;
    };
  }, [hash]); // every navigation (hash change) checks the role again

  const current = state.memberships.find((m) => m.id === route.org);
  const role = session.role();

  async function signOut() {
    const refreshToken = session.get().refreshToken;
    if (refreshToken) await api.signOut(refreshToken).catch(() => undefined);
    session.signedOut('You signed out.');
    navigate({ page: 'sign-in' });
  }

  return (
    <>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.querySelector('h1')?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Console</span>
        <OrgSwitcher current={route.org} />
        <span className="who">
          {state.user?.displayName} {role && <span className="badge">{role}</span>}
        </span>
        <a href={href({ page: 'profile' })}>Your profile</a>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div className="frame">
        <nav className="side" aria-label="Sections">
          <ul>
            {NAV.filter((n) => ready && session.can(PAGE_PERMISSION[n.page])).map((n) => (
              <li key={n.page}>
                <a href={href({ page: n.page, org: route.org } as OrgRoute)} aria-current={isCurrent(route, n.page) ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
            <li>
              <a href="#/organizations">All organizations</a>
            </li>
          </ul>
        </nav>
        <main id="main">
          {error && <Alert>{error}</Alert>}
          {error && /second factor/.test(error) && (
            <p>
              <a href={href({ page: 'profile' })}>Set up two-factor authentication in your profile</a>, then sign in again with it.
            </p>
          )}
          {ready && !error && current && session.can(PAGE_PERMISSION[route.page]) && children}
          {ready && !error && current && !session.can(PAGE_PERMISSION[route.page]) && (
            <>
              <h1 tabIndex={-1}>Not available</h1>
              <p role="alert">
                Your role in {current.name} is {current.role}, which does not allow this page ({PAGE_PERMISSION[route.page]}).
              </p>
            </>
          )}
          {!ready && !error && <p aria-live="polite">Loading…</p>}
        </main>
      </div>
    </>
  );
}

function isCurrent(route: OrgRoute, page: OrgRoute['page']) {
  if (page === 'apps') return ['apps', 'app', 'new-app', 'import-app'].includes(route.page);
  return route.page === page;
}

function OrgSwitcher({ current }: { current: string }) {
  const { memberships } = useSession();
  return (
    <div className="switcher">
      <label htmlFor="org-switcher">Organization</label>
      <select id="org-switcher" value={current} onChange={(e) => navigate({ page: 'overview', org: e.target.value })}>
        {memberships.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name} — {m.role} — {m.region ?? '?'}
          </option>
        ))}
      </select>
    </div>
  );
}
