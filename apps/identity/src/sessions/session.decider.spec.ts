import { DomainError } from '@lib/eventstore';
import { DeciderSpecification, emits, nothing, refused } from '@lib/eventstore/testing/decider-specification';
import { SessionCommand, SessionEvent, sessionDecider, sessionStream } from './session.decider';

/*
 * given (prior events) / when (command) / then (exact events, or a DomainError kind + code).
 * The refresh token is stored as a hash that rotates on every refresh; presenting a rotated-out hash means
 * a copy leaked, so the session ends for everyone. Times are ISO strings compared as strings.
 */

// ---------------------------------------------------------------- fixtures

const SESSION = 'sess-1';
const USER = 'u-alice';
const ORG_A = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
const ORG_B = 'org-us-01jzyxwvtsrqpnmkjhgfedcba9';

const T1 = '2025-03-10T12:30:00.000Z'; // before the first expiry
const EXP1 = '2025-03-10T13:00:00.000Z'; // first refresh token expires
const T2 = '2025-03-10T13:30:00.000Z'; // after EXP1, before EXP2
const EXP2 = '2025-03-10T14:00:00.000Z';
const EXP3 = '2025-03-10T15:00:00.000Z';

const started = (refreshHash = 'h1', expiresAt = EXP1): SessionEvent => ({
  type: 'SessionStarted',
  data: { sessionId: SESSION, userId: USER, refreshHash, expiresAt },
});
const scoped = (organizationId: string): SessionEvent => ({ type: 'SessionScoped', data: { organizationId } });
const refreshed = (refreshHash: string, expiresAt: string): SessionEvent => ({
  type: 'SessionRefreshed',
  data: { refreshHash, expiresAt },
});
const ended = (reason: 'sign-out' | 'refresh-token-reused'): SessionEvent => ({ type: 'SessionEnded', data: { reason } });

const start = (refreshHash = 'h1', expiresAt = EXP1): SessionCommand => ({
  type: 'StartSession',
  sessionId: SESSION,
  userId: USER,
  refreshHash,
  expiresAt,
});
const scope = (organizationId: string): SessionCommand => ({ type: 'ScopeSession', organizationId });
const refresh = (presentedHash: string, newHash: string, at: string, expiresAt: string): SessionCommand => ({
  type: 'RefreshSession',
  presentedHash,
  newHash,
  at,
  expiresAt,
});
const end = (presentedHash?: string): SessionCommand =>
  presentedHash === undefined ? { type: 'EndSession' } : { type: 'EndSession', presentedHash };

/** signed in with h1 (expires EXP1) */
const ACTIVE: SessionEvent[] = [started('h1', EXP1)];
/** signed in with h1, refreshed to h2 (expires EXP2) */
const ROTATED: SessionEvent[] = [...ACTIVE, refreshed('h2', EXP2)];
/** h1 → h2 → h3 (expires EXP3) */
const ROTATED_TWICE: SessionEvent[] = [...ROTATED, refreshed('h3', EXP3)];
const SIGNED_OUT: SessionEvent[] = [...ROTATED, ended('sign-out')];
const REUSE_ENDED: SessionEvent[] = [...ROTATED, ended('refresh-token-reused')];

// ---------------------------------------------------------------- the helper

const spec = DeciderSpecification.for(sessionDecider);
const fold = spec.fold;
/** the outcome of deciding `command` on the state `history` folds to (the shared DeciderSpecification) */
const when = (history: SessionEvent[], command: SessionCommand) => spec(history).when(command).outcome;
const run = spec.run;
const invalidToken = refused('forbidden', 'invalid-refresh-token');

describe('the given/when helper', () => {
  it('tells events from refusals, so a wrong expectation fails', () => {
    expect(when([], start())).not.toEqual(nothing);
    expect(when([], scope(ORG_A))).not.toEqual(nothing);
  });

  it('rethrows anything that is not a DomainError', () => {
    expect(() => when(ACTIVE, { type: 'Nope' } as unknown as SessionCommand)).toThrow('unhandled variant');
  });
});

it('names the stream after the session id', () => {
  expect(sessionStream('abc')).toBe('session-abc');
});

// ---------------------------------------------------------------- decide

describe('StartSession', () => {
  run([
    {
      name: 'a new session → SessionStarted with the command’s fields',
      given: [],
      when: start('h1', EXP1),
      then: emits(started('h1', EXP1)),
    },
    {
      name: 'twice → conflict session-exists',
      given: ACTIVE,
      when: start('h9', EXP2),
      then: refused('conflict', 'session-exists'),
    },
    {
      name: 'again after it ended → conflict session-exists',
      given: SIGNED_OUT,
      when: start(),
      then: refused('conflict', 'session-exists'),
    },
  ]);
});

describe('ScopeSession', () => {
  run([
    {
      name: 'an unscoped session → SessionScoped',
      given: ACTIVE,
      when: scope(ORG_A),
      then: emits(scoped(ORG_A)),
    },
    {
      name: 'to the organization it is already scoped to → no event',
      given: [...ACTIVE, scoped(ORG_A)],
      when: scope(ORG_A),
      then: nothing,
    },
    {
      name: 'to another organization → SessionScoped',
      given: [...ACTIVE, scoped(ORG_A)],
      when: scope(ORG_B),
      then: emits(scoped(ORG_B)),
    },
    {
      name: 'back to the first organization after switching → SessionScoped',
      given: [...ACTIVE, scoped(ORG_A), scoped(ORG_B)],
      when: scope(ORG_A),
      then: emits(scoped(ORG_A)),
    },
    {
      name: 'the scope survives a refresh → no event for the same organization',
      given: [...ACTIVE, scoped(ORG_A), refreshed('h2', EXP2)],
      when: scope(ORG_A),
      then: nothing,
    },
    {
      name: 'a session that does not exist → forbidden invalid-refresh-token',
      given: [],
      when: scope(ORG_A),
      then: invalidToken,
    },
    {
      name: 'a signed-out session → forbidden invalid-refresh-token',
      given: SIGNED_OUT,
      when: scope(ORG_A),
      then: invalidToken,
    },
    {
      name: 'a session ended for reuse → forbidden invalid-refresh-token',
      given: REUSE_ENDED,
      when: scope(ORG_A),
      then: invalidToken,
    },
    {
      name: 'an ended session, to the organization it was scoped to → forbidden (checked before the no-op)',
      given: [...ACTIVE, scoped(ORG_A), ended('sign-out')],
      when: scope(ORG_A),
      then: invalidToken,
    },
  ]);
});

describe('RefreshSession', () => {
  run([
    {
      name: 'the current hash, before expiry → SessionRefreshed with the new hash and expiry',
      given: ACTIVE,
      when: refresh('h1', 'h2', T1, EXP2),
      then: emits(refreshed('h2', EXP2)),
    },
    {
      name: 'the rotated hash, after the first expiry but before the new one → SessionRefreshed',
      given: ROTATED,
      when: refresh('h2', 'h3', T2, EXP3),
      then: emits(refreshed('h3', EXP3)),
    },
    {
      name: 'the rotated-out hash → SessionEnded refresh-token-reused',
      given: ROTATED,
      when: refresh('h1', 'h9', T1, EXP3),
      then: emits(ended('refresh-token-reused')),
    },
    {
      name: 'the first hash after two rotations → SessionEnded refresh-token-reused',
      given: ROTATED_TWICE,
      when: refresh('h1', 'h9', T2, EXP3),
      then: emits(ended('refresh-token-reused')),
    },
    {
      name: 'the middle hash after two rotations → SessionEnded refresh-token-reused',
      given: ROTATED_TWICE,
      when: refresh('h2', 'h9', T2, EXP3),
      then: emits(ended('refresh-token-reused')),
    },
    {
      name: 'a rotated-out hash even after the session expired → SessionEnded refresh-token-reused',
      given: ROTATED,
      when: refresh('h1', 'h9', '2025-03-11T00:00:00.000Z', EXP3),
      then: emits(ended('refresh-token-reused')),
    },
    {
      name: 'a hash that was never issued → forbidden invalid-refresh-token',
      given: ROTATED,
      when: refresh('h-forged', 'h9', T1, EXP3),
      then: invalidToken,
    },
    {
      name: 'the new hash presented as the current one is not accepted (only the current hash is) → forbidden',
      given: ACTIVE,
      when: refresh('h2', 'h3', T1, EXP2),
      then: invalidToken,
    },
    {
      name: 'the current hash after expiry → forbidden invalid-refresh-token',
      given: ACTIVE,
      when: refresh('h1', 'h2', T2, EXP3),
      then: invalidToken,
    },
    {
      name: 'the current hash exactly at expiry → forbidden invalid-refresh-token',
      given: ACTIVE,
      when: refresh('h1', 'h2', EXP1, EXP3),
      then: invalidToken,
    },
    {
      name: 'the current hash one millisecond before expiry → SessionRefreshed',
      given: ACTIVE,
      when: refresh('h1', 'h2', '2025-03-10T12:59:59.999Z', EXP2),
      then: emits(refreshed('h2', EXP2)),
    },
    {
      name: 'the rotated hash checked against the new expiry, not the old one: after EXP2 → forbidden',
      given: ROTATED,
      when: refresh('h2', 'h3', '2025-03-10T14:00:00.001Z', EXP3),
      then: invalidToken,
    },
    {
      name: 'a session that does not exist → forbidden invalid-refresh-token',
      given: [],
      when: refresh('h1', 'h2', T1, EXP2),
      then: invalidToken,
    },
    {
      name: 'a signed-out session, with its last hash → forbidden invalid-refresh-token',
      given: SIGNED_OUT,
      when: refresh('h2', 'h3', T1, EXP3),
      then: invalidToken,
    },
    {
      name: 'a signed-out session, with a rotated-out hash → forbidden (no second SessionEnded)',
      given: SIGNED_OUT,
      when: refresh('h1', 'h3', T1, EXP3),
      then: invalidToken,
    },
    {
      name: 'a session ended for reuse, with the hash that was current → forbidden invalid-refresh-token',
      given: REUSE_ENDED,
      when: refresh('h2', 'h3', T1, EXP3),
      then: invalidToken,
    },
    {
      name: 'a session ended for reuse, with the reused hash again → forbidden (no second SessionEnded)',
      given: REUSE_ENDED,
      when: refresh('h1', 'h3', T1, EXP3),
      then: invalidToken,
    },
  ]);
});

describe('EndSession', () => {
  run([
    {
      name: 'with the current hash → SessionEnded sign-out',
      given: ACTIVE,
      when: end('h1'),
      then: emits(ended('sign-out')),
    },
    {
      name: 'with the rotated hash → SessionEnded sign-out',
      given: ROTATED,
      when: end('h2'),
      then: emits(ended('sign-out')),
    },
    {
      name: 'without a hash (ended by the access-token holder) → SessionEnded sign-out',
      given: ROTATED,
      when: end(),
      then: emits(ended('sign-out')),
    },
    {
      name: 'with a wrong hash → forbidden invalid-refresh-token',
      given: ACTIVE,
      when: end('h-forged'),
      then: invalidToken,
    },
    {
      name: 'with a rotated-out hash → forbidden invalid-refresh-token (only the current hash signs out)',
      given: ROTATED,
      when: end('h1'),
      then: invalidToken,
    },
    {
      name: 'with an empty hash → forbidden invalid-refresh-token (empty is not "no hash")',
      given: ACTIVE,
      when: end(''),
      then: invalidToken,
    },
    {
      name: 'a session that does not exist → forbidden invalid-refresh-token',
      given: [],
      when: end(),
      then: invalidToken,
    },
    {
      name: 'a session that does not exist, with a hash → forbidden invalid-refresh-token',
      given: [],
      when: end('h1'),
      then: invalidToken,
    },
    {
      name: 'already signed out, without a hash → no event (idempotent)',
      given: SIGNED_OUT,
      when: end(),
      then: nothing,
    },
    {
      name: 'already signed out, with the last hash → no event (idempotent)',
      given: SIGNED_OUT,
      when: end('h2'),
      then: nothing,
    },
    {
      name: 'already ended for reuse → no event',
      given: REUSE_ENDED,
      when: end(),
      then: nothing,
    },
    {
      name: 'already signed out, with a wrong hash → forbidden invalid-refresh-token',
      given: SIGNED_OUT,
      when: end('h-forged'),
      then: invalidToken,
    },
  ]);

  it('refuses with a DomainError carrying a message', () => {
    let caught: unknown;
    try {
      sessionDecider.decide(end('h-forged'), fold(ACTIVE));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({ kind: 'forbidden', code: 'invalid-refresh-token', message: 'the refresh token is not valid' });
  });
});

// ---------------------------------------------------------------- evolve

describe('evolve', () => {
  it('starts as a session that does not exist', () => {
    expect(sessionDecider.initialState()).toEqual({
      exists: false,
      userId: '',
      refreshHash: '',
      previousHashes: new Set(),
      expiresAt: '',
      organizationId: null,
      ended: false,
      generation: 0,
    });
  });

  it('tracks the current hash, every rotated-out hash, the expiry, the scope and the end', () => {
    const state = fold([...ROTATED_TWICE, scoped(ORG_B), ended('sign-out')]);
    expect(state).toEqual({
      exists: true,
      userId: USER,
      refreshHash: 'h3',
      previousHashes: new Set(['h1', 'h2']),
      expiresAt: EXP3,
      organizationId: ORG_B,
      ended: true,
      generation: 0,
    });
  });

  it('does not share the rotated-out hashes between folds', () => {
    fold(ROTATED_TWICE);
    expect(sessionDecider.initialState().previousHashes.size).toBe(0);
    expect(fold(ACTIVE).previousHashes.size).toBe(0);
  });
});
