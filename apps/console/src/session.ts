import type { Membership, PermissionMatrix, Problem, Role, SignInResponse, TokenResponse, UserView } from './api/types';

/**
 * Who is signed in and which organization they work in. Kept in sessionStorage (this tab only), so a reload keeps
 * the session and closing the tab ends it. Components read it through `useSession` and re-render on every change.
 */
export interface SessionState {
  user: UserView | null;
  refreshToken: string | null;
  userToken: string | null;
  userTokenExpiresAt: number;
  organizationId: string | null;
  organizationToken: string | null;
  organizationTokenExpiresAt: number;
  memberships: Membership[];
  matrix: PermissionMatrix | null;
  notice: string | null;
}

const KEY = 'console.session';
const empty: SessionState = {
  user: null,
  refreshToken: null,
  userToken: null,
  userTokenExpiresAt: 0,
  organizationId: null,
  organizationToken: null,
  organizationTokenExpiresAt: 0,
  memberships: [],
  matrix: null,
  notice: null,
};

function load(): SessionState {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? { ...empty, ...(JSON.parse(raw) as Partial<SessionState>) } : empty;
  } catch {
    return empty;
  }
}

type Refresher = (refreshToken: string) => Promise<TokenResponse>;
type Selector = (organizationId: string) => Promise<TokenResponse>;

class Session {
  private state: SessionState = load();
  private listeners = new Set<() => void>();
  private refresher: Refresher | null = null;
  private selector: Selector | null = null;
  private refreshing: Promise<void> | null = null;

  get = () => this.state;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(changes: Partial<SessionState>) {
    this.state = { ...this.state, ...changes };
    if (this.state.user) sessionStorage.setItem(KEY, JSON.stringify(this.state));
    else sessionStorage.removeItem(KEY);
    this.listeners.forEach((l) => l());
  }

  /** wired by the API module (kept apart so this file has no import cycle with the client) */
  connect(refresher: Refresher, selector: Selector) {
    this.refresher = refresher;
    this.selector = selector;
  }

  signedIn(response: SignInResponse) {
    this.set({
      ...empty,
      user: response.user,
      refreshToken: response.refreshToken,
      userToken: response.accessToken,
      userTokenExpiresAt: Date.now() + response.expiresIn * 1000,
      memberships: response.organizations,
    });
  }

  organizationSelected(organizationId: string, response: TokenResponse) {
    this.set({
      organizationId,
      organizationToken: response.accessToken,
      organizationTokenExpiresAt: Date.now() + response.expiresIn * 1000,
    });
  }

  /** what /v1/me says about the person (their email may have been confirmed since sign-in) */
  user(user: UserView) {
    if (this.state.user) this.set({ user });
  }

  /** a new user token now, e.g. once the email is confirmed, so that its `email_verified` claim says so */
  async reissue() {
    if (!this.refresher || !this.state.refreshToken) return;
    const fresh = await this.refresher(this.state.refreshToken);
    this.set({
      userToken: fresh.accessToken,
      userTokenExpiresAt: Date.now() + fresh.expiresIn * 1000,
      refreshToken: fresh.refreshToken ?? this.state.refreshToken,
    });
  }

  /** a fresh session for the same person (the password changed): the organization token is asked for again */
  replaced(tokens: TokenResponse) {
    this.set({
      refreshToken: tokens.refreshToken ?? this.state.refreshToken,
      userToken: tokens.accessToken,
      userTokenExpiresAt: Date.now() + tokens.expiresIn * 1000,
      organizationId: null,
      organizationToken: null,
      organizationTokenExpiresAt: 0,
    });
  }

  memberships(memberships: Membership[]) {
    this.set({ memberships });
  }

  matrix(matrix: PermissionMatrix) {
    this.set({ matrix });
  }

  role(): Role | null {
    return this.state.memberships.find((m) => m.id === this.state.organizationId)?.role ?? null;
  }

  can(permission: string): boolean {
    const role = this.role();
    const entry = this.state.matrix?.permissions.find((p) => p.permission === permission);
    return role !== null && entry !== undefined && entry.roles.includes(role);
  }

  /** a token that is valid for at least 30 more seconds, refreshed (and re-scoped) when needed */
  async tokenFor(scope: 'user' | 'organization'): Promise<string | null> {
    const soon = Date.now() + 30_000;
    const useOrganization = scope === 'organization' && this.state.organizationToken !== null;
    const expiresAt = useOrganization ? this.state.organizationTokenExpiresAt : this.state.userTokenExpiresAt;
    if (this.state.user && expiresAt < soon) {
      this.refreshing ??= this.refresh(useOrganization).finally(() => (this.refreshing = null));
      await this.refreshing;
    }
    return useOrganization ? this.state.organizationToken : this.state.userToken;
  }

  private async refresh(organizationToo: boolean) {
    if (!this.refresher || !this.state.refreshToken) return;
    if (this.state.userTokenExpiresAt < Date.now() + 30_000) {
      const fresh = await this.refresher(this.state.refreshToken);
      this.set({
        userToken: fresh.accessToken,
        userTokenExpiresAt: Date.now() + fresh.expiresIn * 1000,
        refreshToken: fresh.refreshToken ?? this.state.refreshToken,
      });
    }
    if (organizationToo && this.selector && this.state.organizationId) {
      this.organizationSelected(this.state.organizationId, await this.selector(this.state.organizationId));
    }
  }

  expired(problem: Problem) {
    if (!this.state.user) return;
    this.set({ ...empty, notice: `Your session ended (${problem.detail ?? 'the server no longer accepts it'}). Sign in again.` });
  }

  signedOut(notice: string | null = null) {
    this.set({ ...empty, notice });
  }

  clearNotice() {
    if (this.state.notice) this.set({ notice: null });
  }
}

export const session = new Session();
