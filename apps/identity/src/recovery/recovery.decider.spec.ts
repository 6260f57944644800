import { passwordResetDecider, PasswordResetEvent, userSessionsDecider } from './recovery.decider';

const fold = (events: PasswordResetEvent[]) => events.reduce(passwordResetDecider.evolve, passwordResetDecider.initialState());
const requested = (requestId: string, tokenHash: string, expiresAt = '2026-01-01T00:30:00.000Z'): PasswordResetEvent => ({
  type: 'PasswordResetRequested',
  data: { userId: 'usr-1', requestId, tokenHash, expiresAt },
});

describe('password reset decider', () => {
  const complete = (tokenHash: string, at = '2026-01-01T00:10:00.000Z') => ({ type: 'CompletePasswordReset' as const, userId: 'usr-1', tokenHash, at });

  it('completes once with the latest link, before it expires', () => {
    const state = fold([requested('r1', 'h1')]);
    expect(passwordResetDecider.decide(complete('h1'), state)).toEqual([{ type: 'PasswordResetCompleted', data: { userId: 'usr-1', requestId: 'r1' } }]);
    const used = fold([requested('r1', 'h1'), { type: 'PasswordResetCompleted', data: { userId: 'usr-1', requestId: 'r1' } }]);
    expect(() => passwordResetDecider.decide(complete('h1'), used)).toThrow(expect.objectContaining({ code: 'reset-link-invalid' }));
  });

  it('refuses an older link once a newer one was asked for, a wrong token, and an expired link', () => {
    const state = fold([requested('r1', 'h1'), requested('r2', 'h2')]);
    expect(() => passwordResetDecider.decide(complete('h1'), state)).toThrow(expect.objectContaining({ code: 'reset-link-invalid' }));
    expect(() => passwordResetDecider.decide(complete('nope'), state)).toThrow(expect.objectContaining({ code: 'reset-link-invalid' }));
    expect(() => passwordResetDecider.decide(complete('h2', '2026-01-01T00:30:00.000Z'), state)).toThrow(expect.objectContaining({ code: 'reset-link-expired' }));
  });

  it('refuses a reset when none was asked for', () => {
    expect(() => passwordResetDecider.decide(complete('h1'), passwordResetDecider.initialState())).toThrow(expect.objectContaining({ code: 'reset-link-invalid' }));
  });
});

describe('session generation decider', () => {
  it('moves the generation on each time every session ends', () => {
    let state = userSessionsDecider.initialState();
    expect(state.generation).toBe(0);
    for (const reason of ['sign-out-everywhere', 'password-reset'] as const) {
      const events = userSessionsDecider.decide({ type: 'EndAllSessions', userId: 'usr-1', reason }, state);
      expect(events).toEqual([{ type: 'AllSessionsEnded', data: { userId: 'usr-1', generation: state.generation + 1, reason } }]);
      state = events.reduce(userSessionsDecider.evolve, state);
    }
    expect(state.generation).toBe(2);
  });
});
