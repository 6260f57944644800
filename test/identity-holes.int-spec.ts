import { eventually, OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from './support/harness';
import { UserRepository } from '../apps/identity/src/users/user.repository';

jest.setTimeout(60_000);

/**
 * The two holes of issue 9 as regression tests: both fail on the code before the fix.
 * 1. Invitation takeover: an unverified sign-up could accept an invitation addressed to that email, or be
 *    made Admin at provisioning, because sign-up never proved the address.
 * 2. Throttling bypass: the throttle key was email|ip with ip from X-Forwarded-For (trustProxy: true), and
 *    failures were counted only after argon2, so rotated headers and parallel guesses went unlimited.
 */
describe('identity holes (regression)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ LOGIN_MAX_FAILURES: '3' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const signUp = (email: string, extra: Record<string, unknown> = {}) =>
    app.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName: email.split('@')[0], ...extra } });
  const signIn = async (email: string) => (await app.request('POST', '/v1/sessions', { body: { email, password: PASSWORD } })).body;
  const provision = async (name: string, adminEmail: string) =>
    (await app.request('POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name, region: 'us', admin: { email: adminEmail } } })).body;

  describe('invitation takeover', () => {
    it('refuses an invitation to whoever merely signed up with the address', async () => {
      const org = await provision('NewCo', 'ceo@newco.example');
      expect(org.admin.status).toBe('invited');
      expect((await signUp('ceo@newco.example')).status).toBe(201);
      const attacker = await signIn('ceo@newco.example');
      // the invitation is listed to the address (it is addressed there) but cannot be taken
      const listed = await eventually(async () => {
        const r = await app.request('GET', '/v1/me/invitations', { token: attacker.accessToken });
        expect(r.body.items).toHaveLength(1);
        return r.body.items[0];
      });
      const accept = await app.request('POST', `/v1/invitations/${listed.invitationId}/accept`, { token: attacker.accessToken });
      expect(accept.status).toBe(403);
      expect(accept.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(accept.body.code).toBe('email-not-verified');
      const scoped = await app.request('POST', '/v1/sessions/organization', { token: attacker.accessToken, body: { organizationId: org.id } });
      expect(scoped.status).toBe(403);
      const members = await app.request('GET', `/v1/organizations/${org.id}/members`, { token: OPERATOR_TOKEN });
      expect(members.body.items).toEqual([]);
    });

    it('does not make an unverified account the first Admin at provisioning', async () => {
      expect((await signUp('cfo@otherco.example')).status).toBe(201);
      await app.identity.relay.flush();
      const org = await provision('OtherCo', 'cfo@otherco.example');
      expect(org.admin).toMatchObject({ status: 'invited', invitationId: expect.stringMatching(/^inv-/) });
      const members = await app.request('GET', `/v1/organizations/${org.id}/members`, { token: OPERATOR_TOKEN });
      expect(members.body.items).toEqual([]);
    });

    it('lets the owner who verified the address accept the first-Admin invitation; an older unverified token still cannot', async () => {
      expect((await signUp('cto@thirdco.example')).status).toBe(201);
      const org = await provision('ThirdCo', 'cto@thirdco.example');
      // the owner proves the address with the mailed link, then accepts the invitation
      const unverified = await signIn('cto@thirdco.example');
      expect(unverified.user).toBeDefined();
      await app.verifyEmail('cto@thirdco.example');
      const session = await signIn('cto@thirdco.example');
      const accept = await app.request('POST', `/v1/invitations/${org.admin.invitationId}/accept`, { token: session.accessToken });
      expect(accept.status).toBe(200);
      expect(accept.body.role).toBe('Admin');
      // the old, unverified token still cannot accept or scope
      const stale = await app.request('POST', `/v1/invitations/${org.admin.invitationId}/accept`, { token: unverified.accessToken });
      expect(stale.status).toBe(403);
      const token = await eventually(async () => {
        const r = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: org.id } });
        expect(r.status).toBe(200);
        return r.body.accessToken;
      });
      expect(token).toEqual(expect.any(String));
    });

    it('lets the invitee sign up from the invitation link, which verifies the address by possession', async () => {
      const org = await provision('FourthCo', 'founder@fourthco.example');
      const mail = await app.mailTo('founder@fourthco.example', /Invitation to FourthCo/);
      expect(mail.link).toContain(`/invitations/${org.admin.invitationId}?token=`);
      // the link is bound to the address: someone else cannot use it to get a verified account
      const stolen = await signUp('thief@fourthco.example', { invitationToken: mail.token });
      expect(stolen.status).toBe(400);
      expect(stolen.body.code).toBe('invitation-link-invalid');
      const forged = await signUp('founder@fourthco.example', { invitationToken: `${mail.token.slice(0, -4)}AAAA` });
      expect(forged.status).toBe(400);
      const res = await signUp('founder@fourthco.example', { invitationToken: mail.token });
      expect(res.status).toBe(201);
      expect(res.body.emailVerified).toBe(true);
      await app.identity.relay.flush();
      const session = await signIn('founder@fourthco.example');
      const accept = await app.request('POST', `/v1/invitations/${org.admin.invitationId}/accept`, { token: session.accessToken });
      expect(accept.status).toBe(200);
    });

    it('uses a verification link once, and throttles resends', async () => {
      expect((await signUp('once@example.com')).status).toBe(201);
      const mail = await app.mailTo('once@example.com', /Confirm your email/);
      expect(mail.html).toMatch(/href="http:\/\/localhost:3000\/\?token=[^"#]+#\/verify-email"/);
      expect((await app.request('POST', '/v1/email-verifications', { body: { token: mail.token } })).status).toBe(200);
      const again = await app.request('POST', '/v1/email-verifications', { body: { token: mail.token } });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('verification-link-invalid');
      const garbage = await app.request('POST', '/v1/email-verifications', { body: { token: 'ev_usr-x.AAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
      expect(garbage.status).toBe(400);

      expect((await signUp('resend@example.com')).status).toBe(201);
      const token = (await signIn('resend@example.com')).accessToken;
      const first = await app.mailTo('resend@example.com', /Confirm your email/);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await app.request('POST', '/v1/me/email-verification', { token })).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
      // a resend replaces the pending token: the first link no longer works, the newest does
      expect((await app.request('POST', '/v1/email-verifications', { body: { token: first.token } })).status).toBe(400);
      const newest = await app.mailTo('resend@example.com', /Confirm your email/);
      expect(newest.token).not.toBe(first.token);
      expect((await app.request('POST', '/v1/email-verifications', { body: { token: newest.token } })).status).toBe(200);
    });
  });

  describe('accounts from before verification existed (the upgrade path)', () => {
    it('keeps their memberships but gives no org-scoped token until they verify through a requested link', async () => {
      // the events such an account has in identity's log: registered, a membership learned from organization, no verification stream
      const org = await provision('Legacy', 'legacy-admin@example.com');
      const userId = 'usr-legacy0000000000000000000000';
      const hashed = await import('@node-rs/argon2').then((m) => m.hash(PASSWORD));
      const metadata = { at: new Date().toISOString(), actor: 'anonymous' };
      await app.identity.store.append('email-legacy@example.com', [{ type: 'EmailReserved', data: { userId }, metadata }], { expectedRevision: 'no_stream' });
      await app.identity.get(UserRepository).handle(userId, { type: 'RegisterUser', userId, email: 'legacy@example.com', displayName: 'Legacy', passwordHash: hashed }, metadata);
      await app.identity.get(UserRepository).handle(userId, { type: 'RecordMembership', organizationId: org.id, change: 'granted', role: 'Developer', sourceRevision: 99 }, metadata);

      const session = await signIn('legacy@example.com');
      expect(session.organizations).toEqual([expect.objectContaining({ id: org.id, role: 'Developer' })]);
      const refused = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: org.id } });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('email-not-verified');
      expect((await app.request('POST', '/v1/me/email-verification', { token: session.accessToken })).status).toBe(202);
      await app.verifyEmail('legacy@example.com');
      const me = await app.request('GET', '/v1/me', { token: session.accessToken });
      expect(me.body.user.emailVerified).toBe(true);
      const granted = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: org.id } });
      expect(granted.status).toBe(200);
    });
  });

  describe('throttling', () => {
    const attempt = (email: string, password: string, headers: Record<string, string> = {}) =>
      app.request('POST', '/v1/sessions', { body: { email, password }, headers });

    it('ignores X-Forwarded-For from an untrusted peer: rotating it buys no extra guesses', async () => {
      expect((await signUp('xff@example.com')).status).toBe(201);
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await attempt('xff@example.com', 'wrong password!!', { 'x-forwarded-for': `203.0.113.${i}` })).status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
      expect((await attempt('xff@example.com', PASSWORD, { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429);
    });

    it('counts parallel guesses before the password check: 20 at once get at most the limit through', async () => {
      expect((await signUp('parallel@example.com')).status).toBe(201);
      const replies = await Promise.all(Array.from({ length: 20 }, () => attempt('parallel@example.com', 'wrong password!!')));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(17);
    });

    it('holds the per-account limit whatever the connecting address', async () => {
      expect((await signUp('spread@example.com')).status).toBe(201);
      const fastify = app.app.getHttpAdapter().getInstance();
      const from = (remoteAddress: string, password: string) =>
        fastify.inject({ method: 'POST', url: '/v1/sessions', remoteAddress, payload: { email: 'spread@example.com', password } });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await from(`192.0.2.${i + 1}`, 'wrong password!!')).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect((await from('192.0.2.99', PASSWORD)).statusCode).toBe(429);
    });
  });
});

describe('TRUSTED_PROXIES', () => {
  it('believes X-Forwarded-For only from a listed peer', async () => {
    // per-account budget 1, per-address budget 20: 21 guesses at distinct accounts from one address hit the address limit
    const app = await startApp({ TRUSTED_PROXIES: '127.0.0.1/32,::1', LOGIN_MAX_FAILURES: '1' });
    try {
      const fastify = app.app.getHttpAdapter().getInstance();
      const guess = (i: number, remoteAddress: string, forwardedFor: string) =>
        fastify.inject({
          method: 'POST',
          url: '/v1/sessions',
          remoteAddress,
          headers: { 'x-forwarded-for': forwardedFor },
          payload: { email: `nobody${i}@example.com`, password: 'wrong password!!' },
        });
      const statuses = [];
      for (let i = 0; i < 21; i++) statuses.push((await guess(i, '127.0.0.1', '203.0.113.9')).statusCode);
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses[20]).toBe(429);
      // through the trusted proxy, another client is another address
      expect((await guess(100, '127.0.0.1', '203.0.113.10')).statusCode).toBe(401);
      // an untrusted peer's header is ignored: its own address counts, not the spent 203.0.113.9
      expect((await guess(101, '192.0.2.1', '203.0.113.9')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('refuses a malformed entry at boot, naming the variable', async () => {
    await expect(startApp({ TRUSTED_PROXIES: '10.0.0.0/33' })).rejects.toThrow(/TRUSTED_PROXIES/);
  });
});
