import { Flow } from './support/flow';
import { OPERATOR_TOKEN, startApp, TestApp } from './support/harness';

/** organization API keys: created by an Admin, acting in their organization only, audited as the key */
describe('organization API keys', () => {
  let app: TestApp;
  let flow: Flow;
  let org: string;
  let other: string;
  let admin: string;
  let developer: string;
  beforeAll(async () => {
    app = await startApp();
    flow = new Flow(app);
    await flow.user('keys-admin@example.com');
    await flow.user('keys-dev@example.com');
    await flow.user('other-admin@example.com');
    org = (await flow.organization('Keyed', 'keys-admin@example.com')).id;
    other = (await flow.organization('Other', 'other-admin@example.com')).id;
    admin = await flow.scoped('keys-admin@example.com', org);
    developer = await flow.join(org, admin, 'keys-dev@example.com', 'Developer');
  }, 60_000);
  afterAll(async () => app?.close());

  const createKey = (token: string, role: string, organizationId = org) =>
    app.request('POST', `/v1/organizations/${organizationId}/api-keys`, { token, body: { name: `${role} automation`, role } });
  const forward = (token: string, method: string, uri: string) =>
    app.request('GET', '/v1/authz/forward', { token, headers: { 'x-original-method': method, 'x-original-uri': uri } });

  it('an Admin creates a key with a role no higher than Developer, sees it once, lists it', async () => {
    const created = await createKey(admin, 'Developer');
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^key-/), role: 'Developer', status: 'active', createdBy: expect.stringMatching(/^usr/) });
    expect(created.body.key).toMatch(/^ok_key-[a-z0-9]+\.[\w-]{43}$/);
    const list = await app.request('GET', `/v1/organizations/${org}/api-keys`, { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(expect.objectContaining({ id: created.body.id, name: 'Developer automation', status: 'active' }));
    expect(JSON.stringify(list.body)).not.toContain(created.body.key.split('.')[1]);
    // never Admin; never by a Developer; never by a key itself
    expect((await createKey(admin, 'Admin')).status).toBe(400);
    expect((await createKey(developer, 'Agent')).status).toBe(403);
    expect((await createKey(created.body.key, 'Agent')).status).toBe(403);
    expect((await createKey(admin, 'Agent', other)).status).toBe(403);
  });

  it('a key acts with its role in its organization, is audited as the key, and is refused elsewhere', async () => {
    const { body: key } = await createKey(admin, 'Developer');
    const made = await app.request('POST', `/v1/organizations/${org}/phone-numbers`, {
      token: key.key,
      body: { number: '+14155550111', provider: 'twilio', capabilities: ['sms'] },
    });
    expect(made.status).toBe(201);
    expect((await app.request('GET', `/v1/organizations/${org}/members`, { token: key.key })).status).toBe(200);
    // a Developer key does not manage members
    const denied = await app.request('POST', `/v1/organizations/${org}/invitations`, { token: key.key, body: { email: 'x@example.com', role: 'Agent' } });
    expect(denied.status).toBe(403);
    // another organization of the same region: refused
    expect((await app.request('GET', `/v1/organizations/${other}/members`, { token: key.key })).status).toBe(403);
    // routes outside organizations are not open to keys
    expect((await app.request('GET', '/v1/organizations', { token: key.key })).status).toBe(403);
    const audit = await app.request('GET', `/v1/organizations/${org}/audit`, { token: admin });
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`);
    expect(actions).toContain(`resource.created key:${key.id}`);
    expect(actions).toContain(`api_key.created ${key.createdBy}`);
  });

  it('forward-auth decides for keys from current state, and a revoked key stops on its next request', async () => {
    const { body: key } = await createKey(admin, 'Agent');
    const ok = await forward(key.key, 'GET', `/v1/organizations/${org}`);
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({ 'x-auth-kind': 'api-key', 'x-user-id': `key:${key.id}`, 'x-organization-id': org, 'x-role': 'Agent' });
    const notGranted = await forward(key.key, 'GET', `/v1/organizations/${org}/members`);
    expect(notGranted.status).toBe(403);
    expect(notGranted.body.permission).toBe('members.read');
    expect((await forward(key.key, 'GET', `/v1/organizations/${other}`)).status).toBe(403);
    // another region's organization id: refused (the key never works in another region)
    expect((await forward(key.key, 'GET', '/v1/organizations/org-eu-00000000000000000000000000')).status).toBe(403);

    const revoked = await app.request('DELETE', `/v1/organizations/${org}/api-keys/${key.id}`, { token: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await forward(key.key, 'GET', `/v1/organizations/${org}`)).status).toBe(401);
    expect((await app.request('GET', `/v1/organizations/${org}`, { token: key.key })).status).toBe(401);
    expect((await app.request('DELETE', `/v1/organizations/${org}/api-keys/${key.id}`, { token: admin })).status).toBe(409);
    // another organization's Admin cannot see or revoke it
    const otherAdmin = await flow.scoped('other-admin@example.com', other);
    expect((await app.request('DELETE', `/v1/organizations/${other}/api-keys/${key.id}`, { token: otherAdmin })).status).toBe(404);
    // a forged key (right id, wrong secret) is unknown
    expect((await forward(`ok_${key.id}.${'A'.repeat(43)}`, 'GET', `/v1/organizations/${org}`)).status).toBe(401);
    expect((await app.request('GET', `/v1/organizations/${org}/api-keys`, { token: OPERATOR_TOKEN })).status).toBe(403);
  });
});
