import { OPERATOR_TOKEN, startApp, TestApp } from './support/harness';
import { Flow } from './support/flow';

/** named service credentials: created, used through the client credentials grant, scoped, rotated, revoked */
describe('service credentials', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ SERVICE_TOKEN_TTL_SECONDS: '5' });
  });
  afterAll(async () => app?.close());

  const create = (name: string, scopes: string[]) => app.request('POST', '/v1/service-credentials', { token: OPERATOR_TOKEN, body: { name, scopes } });
  const token = async (clientId: string, clientSecret: string, scope?: string) =>
    app.request('POST', '/v1/oauth/token', { body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) } });
  const check = (accessToken: string) =>
    app.request('POST', '/v1/authz/check', { token: accessToken, body: { userId: 'usr-x', organizationId: 'org-us-00000000000000000000000000', permission: 'apps.read' } });
  const provision = (accessToken: string) =>
    app.request('POST', '/v1/organizations', { token: accessToken, body: { name: 'Made by a robot', region: 'us', admin: { email: 'robot-admin@example.com' } } });

  it('only the operator manages them; the secret is shown once and never listed', async () => {
    const created = await create('gateway-us', ['authz:check']);
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toMatchObject({ name: 'gateway-us', scopes: ['authz:check'], status: 'active', clientId: 'gateway-us', clientSecret: expect.stringMatching(/^scs_[\w-]{43}$/) });
    const list = await app.request('GET', '/v1/service-credentials', { token: OPERATOR_TOKEN });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.clientSecret);
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'gateway-us', status: 'active' })]);
    expect((await create('gateway-us', ['authz:check'])).status).toBe(409);
    expect((await create('Bad Name', ['authz:check'])).status).toBe(400);
    expect((await create('gateway-x', ['everything'])).status).toBe(400);
    expect((await app.request('GET', '/v1/service-credentials')).status).toBe(401);
    // a service credential's own token cannot manage credentials
    const t = await token('gateway-us', created.body.clientSecret);
    expect((await app.request('GET', '/v1/service-credentials', { token: t.body.access_token })).status).toBe(403);
  });

  it('a token carries the scopes; each internal endpoint wants its own scope', async () => {
    const checker = (await create('checker', ['authz:check'])).body;
    const provisioner = (await create('provisioner', ['organizations:provision'])).body;
    const t1 = await token(checker.clientId, checker.clientSecret);
    expect(t1.status).toBe(200);
    expect(t1.body).toMatchObject({ token_type: 'Bearer', expires_in: 5, scope: 'authz:check' });
    expect((await check(t1.body.access_token)).status).toBe(200);
    // authz:check cannot provision
    const denied = await provision(t1.body.access_token);
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('organizations:provision');
    const t2 = (await token(provisioner.clientId, provisioner.clientSecret)).body.access_token;
    expect((await check(t2)).status).toBe(403);
    const org = await provision(t2);
    expect(org.status).toBe(201);
    // at the gateway too: forward-auth takes a service token on routes whose scope it holds
    const forward = (accessToken: string) =>
      app.request('GET', '/v1/authz/forward', { token: accessToken, headers: { 'x-original-method': 'POST', 'x-original-uri': '/v1/organizations' } });
    expect((await forward(t2)).status).toBe(200);
    expect((await forward(t2)).headers['x-auth-kind']).toBe('service');
    const narrow = await forward(t1.body.access_token);
    expect(narrow.status).toBe(403);
    expect(narrow.body.detail).toContain('organizations:provision');
    // the audit names the credential that provisioned it
    const admin = new Flow(app);
    await admin.user('robot-admin@example.com');
    const audit = await app.request('GET', `/v1/organizations/${org.body.id}/audit`, { token: OPERATOR_TOKEN });
    expect(audit.status).toBe(200);
    expect(audit.body.items.find((e: { action: string }) => e.action === 'organization.provisioned')).toMatchObject({ actor: 'service:provisioner' });
    // a service token is not a user token: no user route takes it
    expect((await app.request('GET', '/v1/me', { token: t2 })).status).toBe(403);
    // a scope the credential does not hold is refused at the token endpoint
    const wider = await token(checker.clientId, checker.clientSecret, 'organizations:provision');
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
  });

  it('refuses bad client authentication with 401 invalid_client, and accepts HTTP Basic and a form body', async () => {
    const c = (await create('basic-client', ['authz:check'])).body;
    expect((await token('basic-client', 'scs_' + 'x'.repeat(43))).status).toBe(401);
    expect((await token('nobody', c.clientSecret)).body).toMatchObject({ status: 401, error: 'invalid_client' });
    const basic = Buffer.from(`basic-client:${c.clientSecret}`).toString('base64');
    const viaBasic = await app.request('POST', '/v1/oauth/token', {
      raw: 'grant_type=client_credentials',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body.access_token).toEqual(expect.any(String));
    const wrongGrant = await app.request('POST', '/v1/oauth/token', { body: { grant_type: 'password', client_id: 'basic-client', client_secret: c.clientSecret } });
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');
  });

  it('rotation keeps the previous secret until the overlap ends; revocation stops new tokens at once and old ones at their expiry', async () => {
    const first = (await create('rotating', ['authz:check'])).body;
    const rotated = await app.request('POST', '/v1/service-credentials/rotating/rotate', { token: OPERATOR_TOKEN, body: { overlapSeconds: 1 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.clientSecret).not.toBe(first.clientSecret);
    expect(rotated.body.previousSecretValidUntil).toEqual(expect.any(String));
    expect((await token('rotating', first.clientSecret)).status).toBe(200);
    expect((await token('rotating', rotated.body.clientSecret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await token('rotating', first.clientSecret)).status).toBe(401);
    const issued = (await token('rotating', rotated.body.clientSecret)).body.access_token;
    expect((await check(issued)).status).toBe(200);

    const revoked = await app.request('DELETE', '/v1/service-credentials/rotating', { token: OPERATOR_TOKEN });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await token('rotating', rotated.body.clientSecret)).status).toBe(401);
    expect((await app.request('DELETE', '/v1/service-credentials/rotating', { token: OPERATOR_TOKEN })).status).toBe(409);
    // SERVICE_TOKEN_TTL_SECONDS=5 here: the last token stops working when it expires, in every service
    await new Promise((r) => setTimeout(r, 5200));
    expect((await check(issued)).status).toBe(401);
  }, 20_000);
});
