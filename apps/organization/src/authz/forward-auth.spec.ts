import { AccessTokenClaims, AuthConfig, RouteMatcher, TokenVerifier } from '@lib/auth';
import { ForwardAuthorizer } from './forward-auth';

const ORG = 'org-us-01jq7m3k9x2v5w8z4c6n1b0hya';

/** the decision without HTTP: a verifier that counts its calls, a membership check that answers from a map */
function authorizer(roles: Map<string, 'Admin' | 'Developer' | 'Agent'>, exp: () => number) {
  let verifications = 0;
  const verifier = {
    verify: async (token: string): Promise<AccessTokenClaims> => {
      verifications++;
      if (!token.startsWith('good-')) throw new Error('bad signature');
      if (exp() * 1000 <= Date.now()) throw new Error('expired');
      return { sub: token.slice(5), email: 'x@example.com', jti: token, iat: 0, exp: exp(), org: ORG };
    },
  } as unknown as TokenVerifier;
  const auth: AuthConfig = { verifier, operatorToken: 'o'.repeat(32), serviceTokens: [] };
  const matcher = new RouteMatcher([{ method: 'GET', path: '/v1/organizations/:id/members', access: ['user'], permission: 'members.read' }]);
  const check = async (userId: string) => {
    const role = roles.get(userId) ?? null;
    return { allowed: role !== null && role !== 'Agent', role, ...(role ? (role === 'Agent' ? { reason: 'permission-denied' } : {}) : { reason: 'not-a-member' }) };
  };
  const a = new ForwardAuthorizer(matcher, auth, check, 'us');
  const decide = (token: string) =>
    a.decide({ method: 'GET', url: '/v1/authz/forward', headers: { authorization: `Bearer ${token}`, 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${ORG}/members` } });
  return { decide, verifications: () => verifications };
}

describe('ForwardAuthorizer', () => {
  afterEach(() => jest.restoreAllMocks());

  it('verifies a token once, but reads the membership on every request', async () => {
    const roles = new Map([['usr-a', 'Developer' as const]]);
    const f = authorizer(roles, () => Math.floor(Date.now() / 1000) + 900);
    expect((await f.decide('good-usr-a')).status).toBe(200);
    roles.delete('usr-a');
    expect(await f.decide('good-usr-a')).toMatchObject({ status: 403, reason: 'not-a-member' });
    expect(f.verifications()).toBe(1);
  });

  it('never serves a cached token past its exp, nor past 30 s', async () => {
    const roles = new Map([['usr-a', 'Admin' as const]]);
    let now = 1_800_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const exp = now / 1000 + 10;
    const f = authorizer(roles, () => exp);
    expect((await f.decide('good-usr-a')).status).toBe(200);
    now += 9_000;
    expect((await f.decide('good-usr-a')).status).toBe(200);
    expect(f.verifications()).toBe(1);
    now += 1_000; // exp reached: verified again, and refused
    expect(await f.decide('good-usr-a')).toMatchObject({ status: 401, reason: 'invalid-token' });

    const g = authorizer(roles, () => now / 1000 + 3600);
    await g.decide('good-usr-a');
    now += 30_000;
    await g.decide('good-usr-a');
    expect(g.verifications()).toBe(2);
  });

  it('keeps the tokens in use when the cache is full (least recently used evicted first)', async () => {
    const roles = new Map([['usr-hot', 'Developer' as const]]);
    const f = authorizer(roles, () => Math.floor(Date.now() / 1000) + 900);
    await f.decide('good-usr-hot');
    // 10,000 other tokens pass by (the cache holds 10,000), the hot one asked about in between
    for (let i = 0; i < 10_000; i++) {
      await f.decide(`good-usr-${i}`);
      if (i % 1000 === 0) await f.decide('good-usr-hot');
    }
    const before = f.verifications();
    expect((await f.decide('good-usr-hot')).status).toBe(200);
    expect(f.verifications()).toBe(before);
    await f.decide('good-usr-0'); // the oldest unused one was evicted: verified again
    expect(f.verifications()).toBe(before + 1);
  });

  it('does not cache a failed verification', async () => {
    const f = authorizer(new Map(), () => Math.floor(Date.now() / 1000) + 900);
    expect((await f.decide('forged')).status).toBe(401);
    expect((await f.decide('forged')).status).toBe(401);
    expect(f.verifications()).toBe(2);
  });
});
