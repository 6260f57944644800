import { DomainError } from '@lib/eventstore';
import { ApiKeyCommand, apiKeyDecider, ApiKeyState } from './api-key.decider';
import { ApiKeyEvent } from './api-key.events';

const at = '2026-01-01T00:00:00.000Z';
const fold = (events: ApiKeyEvent[]): ApiKeyState => events.reduce(apiKeyDecider.evolve, apiKeyDecider.initialState());
const create = (over: Partial<Extract<ApiKeyCommand, { type: 'CreateApiKey' }>> = {}): ApiKeyCommand => ({
  type: 'CreateApiKey',
  at,
  keyId: 'key-1',
  organizationId: 'org-us-1',
  name: 'ci',
  role: 'Developer',
  secretHash: 'h',
  createdBy: 'usr-1',
  creatorRole: 'Admin',
  ...over,
});
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as DomainError).code;
  }
  return 'no error';
};

describe('api key decider', () => {
  it('creates a key with a role no higher than its creator', () => {
    expect(apiKeyDecider.decide(create(), fold([]))).toEqual([
      { type: 'ApiKeyCreated', data: { keyId: 'key-1', organizationId: 'org-us-1', name: 'ci', role: 'Developer', secretHash: 'h', createdBy: 'usr-1', createdAt: at } },
    ]);
    expect(code(() => apiKeyDecider.decide(create({ creatorRole: 'Agent' }), fold([])))).toBe('api-key-role-above-creator');
    expect(code(() => apiKeyDecider.decide(create({ creatorRole: null }), fold([])))).toBe('api-key-role-above-creator');
    expect(apiKeyDecider.decide(create({ role: 'Agent', creatorRole: 'Agent' }), fold([]))).toHaveLength(1);
    expect(code(() => apiKeyDecider.decide(create({ role: 'Admin' as never }), fold([])))).toBe('invalid-api-key-role');
  });

  it('revokes once, in its own organization only', () => {
    const created = apiKeyDecider.decide(create(), fold([]));
    const revoke: ApiKeyCommand = { type: 'RevokeApiKey', at, organizationId: 'org-us-1', revokedBy: 'usr-1' };
    const revoked = apiKeyDecider.decide(revoke, fold(created));
    expect(revoked).toEqual([{ type: 'ApiKeyRevoked', data: { keyId: 'key-1', organizationId: 'org-us-1', revokedBy: 'usr-1', revokedAt: at } }]);
    expect(code(() => apiKeyDecider.decide(revoke, fold([...created, ...revoked])))).toBe('api-key-revoked');
    expect(code(() => apiKeyDecider.decide({ ...revoke, organizationId: 'org-us-2' }, fold(created)))).toBe('api-key-not-found');
    expect(code(() => apiKeyDecider.decide(revoke, fold([])))).toBe('api-key-not-found');
  });
});
