import { DomainError } from '@lib/eventstore';
import { credentialFor, ServiceCredentialCommand, serviceCredentialDecider, ServiceCredentialEvent, ServiceCredentialsState } from './service-credential.decider';

const t0 = '2026-01-01T00:00:00.000Z';
const t1 = '2026-01-01T01:00:00.000Z';
const t2 = '2026-01-01T02:00:00.000Z';
const run = (commands: ServiceCredentialCommand[]) => {
  let state: ServiceCredentialsState = serviceCredentialDecider.initialState();
  const events: ServiceCredentialEvent[] = [];
  for (const c of commands) {
    for (const e of serviceCredentialDecider.decide(c, state)) {
      events.push(e);
      state = serviceCredentialDecider.evolve(state, e);
    }
  }
  return { state, events };
};
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as DomainError).code;
  }
  return 'no error';
};
const create: ServiceCredentialCommand = { type: 'CreateServiceCredential', at: t0, name: 'gateway', scopes: ['authz:check', 'authz:check'], secretHash: 'a', description: null };

describe('service credential decider', () => {
  it('creates unique names with their scopes; the secret is checked by hash', () => {
    const { state, events } = run([create]);
    expect(events[0]).toEqual({ type: 'ServiceCredentialCreated', data: { name: 'gateway', scopes: ['authz:check'], secretHash: 'a', description: null, createdAt: t0 } });
    expect(credentialFor(state, 'gateway', 'a', t0)?.name).toBe('gateway');
    expect(credentialFor(state, 'gateway', 'b', t0)).toBeNull();
    expect(code(() => run([create, create]))).toBe('service-credential-exists');
    expect(code(() => run([{ ...create, name: 'X' }]))).toBe('invalid-credential-name');
    expect(code(() => run([{ ...create, scopes: [] }]))).toBe('no-scopes');
  });

  it('a rotation keeps the previous secret until the overlap ends; a second rotation ends the first overlap', () => {
    const rotate = (hash: string, previousValidUntil = t1): ServiceCredentialCommand => ({ type: 'RotateServiceCredential', at: t0, name: 'gateway', secretHash: hash, previousValidUntil });
    const { state } = run([create, rotate('b')]);
    expect(credentialFor(state, 'gateway', 'a', t0)).not.toBeNull();
    expect(credentialFor(state, 'gateway', 'a', t1)).toBeNull();
    expect(credentialFor(state, 'gateway', 'b', t2)).not.toBeNull();
    const twice = run([create, rotate('b'), rotate('c')]).state;
    expect(credentialFor(twice, 'gateway', 'a', t0)).toBeNull();
    expect(credentialFor(twice, 'gateway', 'b', t0)).not.toBeNull();
    expect(code(() => run([create, rotate('b', '2025-01-01T00:00:00.000Z')]))).toBe('invalid-overlap');
  });

  it('a revoked credential matches no secret and cannot be rotated or revoked again', () => {
    const revoke: ServiceCredentialCommand = { type: 'RevokeServiceCredential', at: t0, name: 'gateway' };
    const { state } = run([create, revoke]);
    expect(credentialFor(state, 'gateway', 'a', t0)).toBeNull();
    expect(code(() => run([create, revoke, revoke]))).toBe('service-credential-revoked');
    expect(code(() => run([revoke]))).toBe('service-credential-not-found');
  });
});
