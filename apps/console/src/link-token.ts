/**
 * Mailed links carry a single-use token in the query before the fragment (`/?token=…#/reset-password`). The page reads
 * it once, then drops it from the address bar and history so it is not left behind.
 */
export function linkToken(): string {
  return new URLSearchParams(location.search).get('token') ?? '';
}

export function dropLinkToken() {
  if (location.search) history.replaceState(null, '', `${location.pathname}${location.hash}`);
}
