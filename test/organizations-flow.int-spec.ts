import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { eventually, OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from './support/harness';

jest.setTimeout(30_000);

/**
 * The whole first slice over HTTP: provisioning, sign-up, invitations, organization selection, roles and
 * the authorization check, across two organizations and a user who is Admin in one and Agent in the other.
 */
describe('organizations, memberships, roles and sign-in over HTTP', () => {
  let app: TestApp;
  const op = { token: OPERATOR_TOKEN };

  const register = async (email: string, displayName = email.split('@')[0]) => {
    const res = await app.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName } });
    expect(res.status).toBe(201);
    await app.verifyEmail(email);
    return res.body as { id: string; email: string };
  };
  const signIn = async (email: string) => {
    const res = await app.request('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return res.body;
  };
  /** an organization-scoped token, once identity has learned the membership through the bus */
  const scoped = async (email: string, organizationId: string) => {
    const session = await signIn(email);
    return eventually(async () => {
      const res = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId } });
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    });
  };

  let ada: { id: string }, bob: { id: string }, dave: { id: string };
  let orgA: string, orgB: string;
  let adaA: string;
  let adaB: string;

  beforeAll(async () => {
    app = await startApp({ LOGIN_MAX_FAILURES: '3' });
    ada = await register('ada@example.com', 'Ada');
    bob = await register('bob@example.com', 'Bob');
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('sign-up', () => {
    it('never returns the password and refuses a duplicate email whatever its case', async () => {
      const res = await app.request('POST', '/v1/users', { body: { email: 'Eve@Example.com', password: PASSWORD, displayName: 'Eve' } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.stringMatching(/^usr-/), email: 'eve@example.com', displayName: 'Eve', emailVerified: false });
      const again = await app.request('POST', '/v1/users', { body: { email: 'EVE@example.COM', password: PASSWORD, displayName: 'E' } });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ status: 409, code: 'email-taken' });
    });

    it.each([
      ['short', 'at least 12 characters'],
      ['aaaaaaaaaaaaaaaa', 'at least 5 different characters'],
      ['mypassword-is-long', 'too common'],
    ])('refuses the weak password %p saying why', async (password, why) => {
      const res = await app.request('POST', '/v1/users', { body: { email: 'weak@example.com', password, displayName: 'W' } });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toContain(why);
    });
  });

  describe('provisioning (operator)', () => {
    it('makes an existing user the first Admin at once, with a region-carrying id', async () => {
      const res = await app.request('POST', '/v1/organizations', { ...op, body: { name: 'Acme', region: 'us', admin: { email: 'ada@example.com' } } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'Acme', region: 'us', status: 'active', memberCount: 1, admin: { status: 'member', userId: ada.id } });
      expect(res.body.id).toMatch(/^org-us-[0-9a-z]{26}$/);
      orgA = res.body.id;
    });

    it('invites an admin who has no account yet; they sign up, see and accept the invitation', async () => {
      const res = await app.request('POST', '/v1/organizations', { ...op, body: { name: 'Beta', region: 'us', admin: { email: 'dave@example.com' } } });
      expect(res.status).toBe(201);
      expect(res.body.admin).toMatchObject({ status: 'invited', email: 'dave@example.com' });
      orgB = res.body.id;
      dave = await register('dave@example.com', 'Dave');
      const session = await signIn('dave@example.com');
      const pending = await eventually(async () => {
        const r = await app.request('GET', '/v1/me/invitations', { token: session.accessToken });
        expect(r.body.items).toHaveLength(1);
        return r.body.items[0];
      });
      expect(pending).toMatchObject({ invitationId: res.body.admin.invitationId, organizationId: orgB, organizationName: 'Beta', role: 'Admin' });
      const accepted = await app.request('POST', `/v1/invitations/${pending.invitationId}/accept`, { token: session.accessToken });
      expect(accepted.status).toBe(200);
      expect(accepted.body).toEqual({ organizationId: orgB, name: 'Beta', region: 'us', role: 'Admin' });
    });

    it('refuses another region with 422 naming the region this stack serves', async () => {
      const res = await app.request('POST', '/v1/organizations', { ...op, body: { name: 'Euro', region: 'eu', admin: { email: 'ada@example.com' } } });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'wrong-region', region: 'us' });
      expect(res.body.detail).toContain('region us');
    });

    it('refuses an unknown region, missing fields and unknown fields with 400', async () => {
      for (const body of [
        { name: 'X', region: 'mars', admin: { email: 'a@example.com' } },
        { name: 'X', region: 'us' },
        { name: 'X', region: 'us', admin: { email: 'not-an-email' } },
        { name: 'X', region: 'us', admin: { email: 'a@example.com' }, plan: 'gold' },
        { name: '', region: 'us', admin: { email: 'a@example.com' } },
      ]) {
        const res = await app.request('POST', '/v1/organizations', { ...op, body });
        expect(res.status).toBe(400);
        expect(res.body.errors.length).toBeGreaterThan(0);
      }
    });

    it('is for the operator only: no token 401, a user token 403', async () => {
      const body = { name: 'Nope', region: 'us', admin: { email: 'bob@example.com' } };
      expect((await app.request('POST', '/v1/organizations', { body })).status).toBe(401);
      const session = await signIn('bob@example.com');
      const res = await app.request('POST', '/v1/organizations', { token: session.accessToken, body });
      expect(res.status).toBe(403);
      expect((await app.request('POST', '/v1/organizations', { token: 'op-wrong-token', body })).status).toBe(401);
    });

    it('lists organizations for the operator', async () => {
      const res = await app.request('GET', '/v1/organizations?limit=200', op);
      expect(res.status).toBe(200);
      expect(res.body.items.map((o: { id: string }) => o.id)).toEqual(expect.arrayContaining([orgA, orgB]));
    });
  });

  describe('sign-in and organization selection', () => {
    it('signs in with the organizations and roles, then scopes a token to one of them', async () => {
      const session = await eventually(async () => {
        const s = await signIn('ada@example.com');
        expect(s.organizations).toHaveLength(1);
        return s;
      });
      expect(session.organizations).toEqual([{ id: orgA, name: 'Acme', region: 'us', status: 'active', role: 'Admin' }]);
      expect(session.user).toEqual({ id: ada.id, email: 'ada@example.com', displayName: 'Ada' });
      expect(session.refreshToken).toMatch(/^rt_/);
      const unscoped = decodeJwt(session.accessToken);
      expect(unscoped).toMatchObject({ sub: ada.id });
      expect(unscoped.org).toBeUndefined();
      for (const claim of ['iat', 'exp', 'jti']) expect(unscoped[claim]).toBeDefined();

      const res = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: orgA } });
      expect(res.status).toBe(200);
      expect(res.body.role).toBe('Admin');
      adaA = res.body.accessToken;
      expect(decodeJwt(adaA)).toMatchObject({ sub: ada.id, org: orgA, region: 'us' });
    });

    it('refuses to scope a token to an organization the user is not in', async () => {
      const session = await signIn('bob@example.com');
      const res = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: orgB } });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not-a-member');
    });

    it('publishes the keys that verify its tokens (JWKS with kid)', async () => {
      const jwks = await app.request('GET', '/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(jwks.body.keys[0].d).toBeUndefined();
      const { payload, protectedHeader } = await jwtVerify(adaA, createLocalJWKSet(jwks.body));
      expect(protectedHeader.kid).toBe(jwks.body.keys[0].kid);
      expect(payload.org).toBe(orgA);
    });

    it('answers a wrong password and an unknown email with the same 401, then throttles with 429', async () => {
      await register('target@example.com');
      const wrong = await app.request('POST', '/v1/sessions', { body: { email: 'target@example.com', password: 'not the password!' } });
      const unknown = await app.request('POST', '/v1/sessions', { body: { email: 'nobody@example.com', password: 'not the password!' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.detail).toBe(unknown.body.detail);
      await app.request('POST', '/v1/sessions', { body: { email: 'target@example.com', password: 'not the password!' } });
      await app.request('POST', '/v1/sessions', { body: { email: 'target@example.com', password: 'not the password!' } });
      const throttled = await app.request('POST', '/v1/sessions', { body: { email: 'target@example.com', password: PASSWORD } });
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      expect(throttled.body.code).toBe('sign-in-throttled');
    });

    it('rotates refresh tokens, refuses a reused one and a signed-out one', async () => {
      const session = await signIn('dave@example.com');
      const refreshed = await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: session.refreshToken } });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refreshToken).not.toBe(session.refreshToken);
      expect(decodeJwt(refreshed.body.accessToken).sub).toBe(dave.id);
      // the old one again: refused, and the session is ended for the new one too
      expect((await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);
      expect((await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: refreshed.body.refreshToken } })).status).toBe(401);

      const second = await signIn('dave@example.com');
      expect((await app.request('POST', '/v1/sessions/sign-out', { body: { refreshToken: second.refreshToken } })).status).toBe(204);
      expect((await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: second.refreshToken } })).status).toBe(401);
      expect((await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: 'garbage' } })).status).toBe(400);
    });

    it('keeps the organization scope across a refresh', async () => {
      const session = await signIn('ada@example.com');
      await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: orgA } });
      const refreshed = await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: session.refreshToken } });
      expect(decodeJwt(refreshed.body.accessToken).org).toBe(orgA);
    });
  });

  describe('invitations, roles and members', () => {
    let daveB: string;

    it('lets an Admin invite; the invitee accepts and becomes a member with that role', async () => {
      const invite = await app.request('POST', `/v1/organizations/${orgA}/invitations`, { token: adaA, body: { email: 'bob@example.com', role: 'Developer' } });
      expect(invite.status).toBe(201);
      expect(invite.body).toMatchObject({ id: expect.stringMatching(/^inv-/), email: 'bob@example.com', role: 'Developer', status: 'pending' });
      const days = (Date.parse(invite.body.expiresAt) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.9);
      expect(days).toBeLessThanOrEqual(7);

      const dup = await app.request('POST', `/v1/organizations/${orgA}/invitations`, { token: adaA, body: { email: 'bob@example.com', role: 'Agent' } });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('invitation-pending');

      const listed = await app.request('GET', `/v1/organizations/${orgA}/invitations`, { token: adaA });
      expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(invite.body.id);

      const bobToken = (await signIn('bob@example.com')).accessToken;
      await app.verifyEmail('eve@example.com');
      const notTheirs = await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: (await signIn('eve@example.com')).accessToken });
      expect(notTheirs.status).toBe(404);
      const accepted = await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: bobToken });
      expect(accepted.status).toBe(200);
      expect(accepted.body.role).toBe('Developer');
      const again = await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: bobToken });
      expect(again.status).toBe(409);
      const member = await app.request('POST', `/v1/organizations/${orgA}/invitations`, { token: adaA, body: { email: 'bob@example.com', role: 'Agent' } });
      expect(member.status).toBe(409);
      expect(member.body.code).toBe('already-member');
      expect((await app.request('POST', '/v1/invitations/inv-unknown/accept', { token: bobToken })).status).toBe(404);
    });

    it('makes Ada an Agent in Beta while she stays Admin in Acme', async () => {
      daveB = await scoped('dave@example.com', orgB);
      const invite = await app.request('POST', `/v1/organizations/${orgB}/invitations`, { token: daveB, body: { email: 'ada@example.com', role: 'Agent' } });
      expect(invite.status).toBe(201);
      const adaSession = await signIn('ada@example.com');
      expect((await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: adaSession.accessToken })).status).toBe(200);
      adaB = await scoped('ada@example.com', orgB);
      const me = await eventually(async () => {
        const r = await app.request('GET', '/v1/me', { token: adaSession.accessToken });
        expect(r.body.organizations).toHaveLength(2);
        return r.body;
      });
      expect(me.organizations.map((o: { name: string; role: string }) => [o.name, o.role])).toEqual([
        ['Acme', 'Admin'],
        ['Beta', 'Agent'],
      ]);
    });

    it('gives each role exactly what the matrix allows, decided by the current role', async () => {
      // Agent in Beta: no member management, no member list, no audit
      const invite = await app.request('POST', `/v1/organizations/${orgB}/invitations`, { token: adaB, body: { email: 'x@example.com', role: 'Agent' } });
      expect(invite.status).toBe(403);
      expect(invite.body).toMatchObject({ code: 'permission-denied', role: 'Agent', permission: 'members.manage' });
      expect((await app.request('GET', `/v1/organizations/${orgB}/members`, { token: adaB })).status).toBe(403);
      expect((await app.request('GET', `/v1/organizations/${orgB}/audit`, { token: adaB })).status).toBe(403);
      expect((await app.request('GET', `/v1/organizations/${orgB}`, { token: adaB })).status).toBe(200);
      // a token scoped to Acme does not open Beta, even for its Admin
      const crossed = await app.request('GET', `/v1/organizations/${orgB}/members`, { token: adaA });
      expect(crossed.status).toBe(403);
      expect(crossed.body.code).toBe('token-not-scoped');

      const check = (userId: string, organizationId: string, permission: string) =>
        app.request('POST', '/v1/authz/check', { ...op, body: { userId, organizationId, permission } });
      expect((await check(ada.id, orgA, 'apps.publish')).body).toEqual({ allowed: true, role: 'Admin' });
      expect((await check(ada.id, orgB, 'apps.publish')).body).toMatchObject({ allowed: false, role: 'Agent' });
      expect((await check(ada.id, orgB, 'portals.use')).body).toEqual({ allowed: true, role: 'Agent' });

      // promote: effective on the very next request, whatever the old token says
      const promoted = await app.request('PUT', `/v1/organizations/${orgB}/members/${ada.id}`, { token: daveB, body: { role: 'Developer' } });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({ userId: ada.id, role: 'Developer' });
      expect((await check(ada.id, orgB, 'apps.publish')).body).toEqual({ allowed: true, role: 'Developer' });
      expect((await app.request('GET', `/v1/organizations/${orgB}/members`, { token: adaB })).status).toBe(200);
      expect((await app.request('GET', `/v1/organizations/${orgB}/audit`, { token: adaB })).status).toBe(403);
      expect((await check(bob.id, orgB, 'console.access')).body).toMatchObject({ allowed: false, role: null, reason: 'not-a-member' });

      expect((await check(ada.id, orgA, 'apps.fly')).status).toBe(400);
      expect((await app.request('POST', '/v1/authz/check', { token: adaA, body: { userId: ada.id, organizationId: orgA, permission: 'apps.read' } })).status).toBe(403);
      const matrix = await app.request('GET', '/v1/permissions');
      expect(matrix.body.permissions).toContainEqual({ permission: 'members.manage', roles: ['Admin'] });
      expect(matrix.body.permissions).toContainEqual({ permission: 'resources.manage', roles: ['Admin', 'Developer'] });
    });

    it('keeps at least one Admin', async () => {
      const demote = await app.request('PUT', `/v1/organizations/${orgB}/members/${dave.id}`, { token: daveB, body: { role: 'Agent' } });
      expect(demote.status).toBe(409);
      expect(demote.body.code).toBe('last-admin');
      const leave = await app.request('DELETE', `/v1/organizations/${orgB}/members/${dave.id}`, { token: daveB });
      expect(leave.status).toBe(409);
      // with a second Admin, the first may step down
      expect((await app.request('PUT', `/v1/organizations/${orgB}/members/${ada.id}`, { token: daveB, body: { role: 'Admin' } })).status).toBe(200);
      expect((await app.request('PUT', `/v1/organizations/${orgB}/members/${dave.id}`, { token: daveB, body: { role: 'Developer' } })).status).toBe(200);
      expect((await app.request('PUT', `/v1/organizations/${orgB}/members/${dave.id}`, { token: adaB, body: { role: 'Admin' } })).status).toBe(200);
      expect((await app.request('PUT', `/v1/organizations/${orgB}/members/usr-nobody`, { token: daveB, body: { role: 'Admin' } })).status).toBe(404);
      expect((await app.request('PUT', `/v1/organizations/${orgB}/members/${ada.id}`, { token: daveB, body: { role: 'Owner' } })).status).toBe(400);
    });

    it('lets a member leave and an Admin remove; removal takes effect on the next request', async () => {
      const bobA = await eventually(async () => {
        const r = await app.request('POST', '/v1/sessions', { body: { email: 'bob@example.com', password: PASSWORD } });
        const s = await app.request('POST', '/v1/sessions/organization', { token: r.body.accessToken, body: { organizationId: orgA } });
        expect(s.status).toBe(200);
        return s.body.accessToken as string;
      });
      expect((await app.request('GET', `/v1/organizations/${orgA}/members`, { token: bobA })).status).toBe(200);
      expect((await app.request('DELETE', `/v1/organizations/${orgA}/members/${bob.id}`, { token: adaA })).status).toBe(204);
      const after = await app.request('GET', `/v1/organizations/${orgA}/members`, { token: bobA });
      expect(after.status).toBe(403);
      expect(after.body.code).toBe('not-a-member');
      const check = await app.request('POST', '/v1/authz/check', { ...op, body: { userId: bob.id, organizationId: orgA, permission: 'console.access' } });
      expect(check.body.allowed).toBe(false);
      expect((await app.request('DELETE', `/v1/organizations/${orgA}/members/${bob.id}`, { token: adaA })).status).toBe(404);
    });

    it('revokes invitations: a revoked one cannot be accepted', async () => {
      const eve = await signIn('eve@example.com');
      const invite = await app.request('POST', `/v1/organizations/${orgA}/invitations`, { token: adaA, body: { email: 'eve@example.com', role: 'Agent' } });
      expect((await app.request('DELETE', `/v1/organizations/${orgA}/invitations/${invite.body.id}`, { token: adaA })).status).toBe(204);
      expect((await app.request('DELETE', `/v1/organizations/${orgA}/invitations/${invite.body.id}`, { token: adaA })).status).toBe(409);
      const accept = await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: eve.accessToken });
      expect(accept.status).toBe(403);
      expect(accept.body.code).toBe('invitation-revoked');
      await eventually(async () => {
        const r = await app.request('GET', '/v1/me/invitations', { token: eve.accessToken });
        expect(r.body.items).toEqual([]);
      });
    });

    it('pages members with a cursor (limit at most 200)', async () => {
      const first = await app.request('GET', `/v1/organizations/${orgB}/members?limit=1`, { token: daveB });
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await app.request('GET', `/v1/organizations/${orgB}/members?limit=1&cursor=${first.body.nextCursor}`, { token: daveB });
      expect(second.body.items).toHaveLength(1);
      expect(second.body.items[0].userId).not.toBe(first.body.items[0].userId);
      expect(second.body.nextCursor).toBeNull();
      expect((await app.request('GET', `/v1/organizations/${orgB}/members?limit=201`, { token: daveB })).status).toBe(400);
      expect((await app.request('GET', `/v1/organizations/${orgB}/members?limit=abc`, { token: daveB })).status).toBe(400);
    });

    it('serves the audit trail newest first, from the events themselves', async () => {
      const page = await app.request('GET', `/v1/organizations/${orgB}/audit?limit=3`, { token: daveB });
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(3);
      expect(page.body.items[0]).toMatchObject({ action: 'member.role_changed', actor: ada.id, subject: `user:${dave.id}`, details: { from: 'Developer', to: 'Admin' } });
      const all = await app.request('GET', `/v1/organizations/${orgB}/audit?limit=200`, { token: daveB });
      const actions = all.body.items.map((e: { action: string }) => e.action);
      expect(actions[actions.length - 1]).toBe('organization.provisioned');
      expect(all.body.items[all.body.items.length - 1].actor).toBe('operator');
      expect(actions).toContain('invitation.accepted');
      const next = await app.request('GET', `/v1/organizations/${orgB}/audit?limit=3&cursor=${page.body.nextCursor}`, { token: daveB });
      expect(next.body.items[0].revision).toBe(page.body.items[2].revision - 1);
    });
  });

  describe('organization lifecycle', () => {
    it('renames (Admin only)', async () => {
      const res = await app.request('PATCH', `/v1/organizations/${orgA}`, { token: adaA, body: { name: 'Acme Corp' } });
      expect(res.status).toBe(200);
      expect(res.body.name).toBe('Acme Corp');
      await eventually(async () => {
        const s = await signIn('ada@example.com');
        expect(s.organizations.find((o: { id: string }) => o.id === orgA).name).toBe('Acme Corp');
      });
    });

    it('suspends: sign-in to the organization and every change are refused until reactivated', async () => {
      expect((await app.request('POST', `/v1/organizations/${orgA}/suspend`, { token: adaA, body: {} })).status).toBe(403);
      const suspended = await app.request('POST', `/v1/organizations/${orgA}/suspend`, { ...op, body: { reason: 'unpaid' } });
      expect(suspended.status).toBe(200);
      expect(suspended.body.status).toBe('suspended');
      const change = await app.request('PATCH', `/v1/organizations/${orgA}`, { token: adaA, body: { name: 'Nope' } });
      expect(change.status).toBe(409);
      expect(change.body.code).toBe('organization-suspended');
      const session = await signIn('ada@example.com');
      await eventually(async () => {
        const r = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: orgA } });
        expect(r.status).toBe(403);
        expect(r.body.code).toBe('organization-suspended');
      });
      const check = await app.request('POST', '/v1/authz/check', { ...op, body: { userId: ada.id, organizationId: orgA, permission: 'console.access' } });
      expect(check.body).toMatchObject({ allowed: false, reason: 'organization-suspended' });
      expect((await app.request('POST', `/v1/organizations/${orgA}/reactivate`, op)).body.status).toBe('active');
      await eventually(async () => {
        const r = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId: orgA } });
        expect(r.status).toBe(200);
      });
    });
  });

  describe('bad input', () => {
    it('answers problem details, never a 500', async () => {
      const malformed = await app.request('POST', '/v1/users', { raw: '{"email": ' });
      expect(malformed.status).toBe(400);
      expect(malformed.headers['content-type']).toContain('application/problem+json');
      expect(malformed.body).toMatchObject({ type: expect.any(String), title: 'Bad Request', status: 400, detail: expect.any(String) });
      const wrongType = await app.request('POST', '/v1/users', { body: { email: 42, password: [], displayName: {} } });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['email', 'password', 'displayName']));
      const huge = await app.request('POST', '/v1/users', { raw: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(2 * 1024 * 1024), displayName: 'x' }) });
      expect(huge.status).toBe(413);
      expect(huge.body.status).toBe(413);
      const textPlain = await app.request('POST', '/v1/users', { raw: 'hello', headers: { 'content-type': 'text/plain' } });
      expect(textPlain.status).toBe(415);
      expect((await app.request('GET', '/v1/organizations/org-us-00000000000000000000000000', op)).status).toBe(404);
      expect((await app.request('GET', '/v1/organizations/not-an-id', op)).status).toBe(404);
      const elsewhere = await app.request('GET', '/v1/organizations/org-eu-00000000000000000000000000', op);
      expect(elsewhere.status).toBe(421);
      expect(elsewhere.body.detail).toContain('region eu');
      expect((await app.request('GET', '/v1/nothing-here')).status).toBe(404);
      expect((await app.request('GET', '/v1/me', { token: 'not.a.jwt' })).status).toBe(401);
      expect((await app.request('GET', `/v1/organizations/${orgA}/audit?cursor=-1`, op)).status).toBe(400);
    });

    it('writes nothing when a request is refused', async () => {
      const before = await app.organization.store.headPosition();
      await app.request('PUT', `/v1/organizations/${orgB}/members/${ada.id}`, { token: adaB, body: { role: 'Agent', extra: true } });
      await app.request('POST', `/v1/organizations/${orgB}/invitations`, { token: adaA, body: { email: 'z@example.com', role: 'Agent' } });
      expect(await app.organization.store.headPosition()).toBe(before);
    });
  });
});

describe('invitation expiry', () => {
  it('answers 410 for an expired invitation', async () => {
    const app = await startApp({ INVITATION_TTL_SECONDS: '1' });
    try {
      await app.request('POST', '/v1/users', { body: { email: 'ann@example.com', password: PASSWORD, displayName: 'Ann' } });
      const org = await app.request('POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name: 'Gamma', region: 'us', admin: { email: 'zed@example.com' } } });
      await app.request('POST', '/v1/users', { body: { email: 'zed@example.com', password: PASSWORD, displayName: 'Zed' } });
      await app.verifyEmail('zed@example.com');
      await new Promise((r) => setTimeout(r, 1100));
      const session = await app.request('POST', '/v1/sessions', { body: { email: 'zed@example.com', password: PASSWORD } });
      const res = await app.request('POST', `/v1/invitations/${org.body.admin.invitationId}/accept`, { token: session.body.accessToken });
      expect(res.status).toBe(410);
      expect(res.body.code).toBe('invitation-expired');
    } finally {
      await app.close();
    }
  });
});
