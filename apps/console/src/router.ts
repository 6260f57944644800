import { useSyncExternalStore } from 'react';

/**
 * Hash routes (`#/o/org-us-…/members`): the server only serves `/` and the static assets, so the Console works from
 * any static file server (the standalone, the gateway) without a fallback rule. Mailed links carry their token in the
 * query before the fragment (`/?token=…#/verify-email`), so they too open `/`.
 */
export type Route =
  | { page: 'sign-in' }
  | { page: 'sign-up' }
  | { page: 'verify-email' }
  | { page: 'forgot-password' }
  | { page: 'reset-password' }
  | { page: 'invitation'; invitation: string }
  | { page: 'organizations' }
  | { page: 'profile' }
  | { page: 'overview'; org: string }
  | { page: 'members'; org: string }
  | { page: 'integrations'; org: string }
  | { page: 'phone-numbers'; org: string }
  | { page: 'apps'; org: string }
  | { page: 'new-app'; org: string }
  | { page: 'import-app'; org: string }
  | { page: 'app'; org: string; app: string }
  | { page: 'audit'; org: string }
  | { page: 'settings'; org: string }
  | { page: 'api-keys'; org: string }
  | { page: 'not-found'; path: string };

const ORG_PAGES = ['overview', 'members', 'integrations', 'phone-numbers', 'apps', 'audit', 'settings', 'api-keys'] as const;
const SINGLE = ['sign-up', 'verify-email', 'forgot-password', 'reset-password', 'organizations', 'profile'] as const;

export function parse(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'sign-in')) return { page: 'sign-in' };
  if (parts.length === 1 && (SINGLE as readonly string[]).includes(parts[0])) return { page: parts[0] as (typeof SINGLE)[number] };
  // the invitation mail's link (`/invitations/<id>?token=…`) is redirected by the server to `/?token=…#/invitations/<id>`
  if (parts.length === 2 && parts[0] === 'invitations' && /^inv-[\w-]{1,64}$/.test(parts[1])) return { page: 'invitation', invitation: parts[1] };
  if (parts[0] === 'o' && parts.length >= 2) {
    const org = parts[1];
    if (parts.length === 2) return { page: 'overview', org };
    if (parts.length === 3 && (ORG_PAGES as readonly string[]).includes(parts[2])) return { page: parts[2] as (typeof ORG_PAGES)[number], org };
    if (parts.length === 4 && parts[2] === 'apps' && parts[3] === 'new') return { page: 'new-app', org };
    if (parts.length === 4 && parts[2] === 'apps' && parts[3] === 'import') return { page: 'import-app', org };
    if (parts.length === 4 && parts[2] === 'apps') return { page: 'app', org, app: parts[3] };
  }
  return { page: 'not-found', path };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'sign-in':
    case 'sign-up':
    case 'verify-email':
    case 'forgot-password':
    case 'reset-password':
    case 'organizations':
    case 'profile':
      return `#/${route.page}`;
    case 'invitation':
      return `#/invitations/${encodeURIComponent(route.invitation)}`;
    case 'overview':
    case 'members':
    case 'integrations':
    case 'phone-numbers':
    case 'apps':
    case 'audit':
    case 'settings':
    case 'api-keys':
      return `#/o/${encodeURIComponent(route.org)}/${route.page}`;
    case 'new-app':
      return `#/o/${encodeURIComponent(route.org)}/apps/new`;
    case 'import-app':
      return `#/o/${encodeURIComponent(route.org)}/apps/import`;
    case 'app':
      return `#/o/${encodeURIComponent(route.org)}/apps/${encodeURIComponent(route.app)}`;
    case 'not-found':
      return `#${route.path}`;
    default: {
      const never: never = route;
      return never;
    }
  }
}

export function navigate(route: Route) {
  location.hash = href(route);
}

function subscribe(listener: () => void) {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => location.hash);
}
