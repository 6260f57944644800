import { Decider, DomainError, assertNever } from '@lib/eventstore';

/** a sign-in: its refresh token (stored as a hash) rotates on every use; reuse of an old one ends the session */
export const sessionStream = (sessionId: string) => `session-${sessionId}`;

export type SessionEvent =
  /** `amr` (RFC 8176) since MFA: how the user authenticated; sessions started before hold none (password only) */
  /** `generation`: the user's session generation then (recovery/); absent on sessions started before issue 9 (0) */
  | { type: 'SessionStarted'; data: { sessionId: string; userId: string; refreshHash: string; expiresAt: string; amr?: string[]; generation?: number } }
  | { type: 'SessionScoped'; data: { organizationId: string } }
  | { type: 'SessionRefreshed'; data: { refreshHash: string; expiresAt: string } }
  | { type: 'SessionEnded'; data: { reason: 'sign-out' | 'refresh-token-reused' } };

export type SessionCommand =
  | { type: 'StartSession'; sessionId: string; userId: string; refreshHash: string; expiresAt: string; amr?: string[]; generation?: number }
  | { type: 'ScopeSession'; organizationId: string }
  | { type: 'RefreshSession'; presentedHash: string; newHash: string; expiresAt: string; at: string }
  | { type: 'EndSession'; presentedHash?: string };

export interface SessionState {
  exists: boolean;
  userId: string;
  refreshHash: string;
  previousHashes: Set<string>;
  expiresAt: string;
  organizationId: string | null;
  ended: boolean;
  amr?: string[];
  generation: number;
}

const refused = () => new DomainError('forbidden', 'the refresh token is not valid', 'invalid-refresh-token');

export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = {
  initialState: () => ({
    exists: false,
    userId: '',
    refreshHash: '',
    previousHashes: new Set(),
    expiresAt: '',
    organizationId: null,
    ended: false,
    generation: 0,
  }),
  evolve(state, event) {
    switch (event.type) {
      case 'SessionStarted':
        return {
          ...state,
          exists: true,
          userId: event.data.userId,
          refreshHash: event.data.refreshHash,
          expiresAt: event.data.expiresAt,
          ...(event.data.amr ? { amr: event.data.amr } : {}),
          generation: event.data.generation ?? 0,
        };
      case 'SessionScoped':
        return { ...state, organizationId: event.data.organizationId };
      case 'SessionRefreshed':
        state.previousHashes.add(state.refreshHash);
        return { ...state, refreshHash: event.data.refreshHash, expiresAt: event.data.expiresAt };
      case 'SessionEnded':
        return { ...state, ended: true };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'StartSession': {
        if (state.exists) throw new DomainError('conflict', 'session exists', 'session-exists');
        const { type: _t, ...data } = command;
        return [{ type: 'SessionStarted', data }];
      }
      case 'ScopeSession':
        if (!state.exists || state.ended) throw refused();
        return state.organizationId === command.organizationId ? [] : [{ type: 'SessionScoped', data: { organizationId: command.organizationId } }];
      case 'RefreshSession':
        if (!state.exists || state.ended) throw refused();
        if (state.previousHashes.has(command.presentedHash)) {
          // a rotated-out token came back: someone holds a copy. End the session for everyone.
          return [{ type: 'SessionEnded', data: { reason: 'refresh-token-reused' } }];
        }
        if (command.presentedHash !== state.refreshHash || state.expiresAt <= command.at) throw refused();
        return [{ type: 'SessionRefreshed', data: { refreshHash: command.newHash, expiresAt: command.expiresAt } }];
      case 'EndSession':
        if (!state.exists) throw refused();
        if (command.presentedHash !== undefined && command.presentedHash !== state.refreshHash) throw refused();
        return state.ended ? [] : [{ type: 'SessionEnded', data: { reason: 'sign-out' } }];
      default:
        return assertNever(command);
    }
  },
};
