import { Flow } from './support/flow';
import { eventually, startApp, TestApp } from './support/harness';

jest.setTimeout(60_000);

/**
 * Organization API keys at app-packaging: it verifies them from its own copy (organization.api-keys.v1), so a
 * Developer key lists, exports and imports its organization's apps, and nothing of another organization or
 * region; its actions appear in the audit as the key; a revoked key stops working there too.
 */
describe('organization API keys at app-packaging', () => {
  let app: TestApp;
  let flow: Flow;
  let org: string;
  let other: string;
  let admin: string;
  let appId: string;

  beforeAll(async () => {
    app = await startApp();
    flow = new Flow(app);
    await flow.user('pk-admin@example.com');
    await flow.user('pk-other@example.com');
    org = (await flow.organization('Packaged', 'pk-admin@example.com')).id;
    other = (await flow.organization('Elsewhere', 'pk-other@example.com')).id;
    admin = await flow.scoped('pk-admin@example.com', org);
    appId = await eventually(async () => {
      const res = await app.request('POST', `/v1/organizations/${org}/apps`, { token: admin, body: { name: 'Keyed app', definition: { pages: [] }, requirements: [] } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    });
  });
  afterAll(async () => app?.close());

  const createKey = async (role: string) => {
    const res = await app.request('POST', `/v1/organizations/${org}/api-keys`, { token: admin, body: { name: `${role} packaging`, role } });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };
  const upload = (organizationId: string, token: string, zip: Buffer, query = '') =>
    app.request('POST', `/v1/organizations/${organizationId}/apps/imports${query}`, { token, raw: zip as unknown as string, headers: { 'content-type': 'application/zip' } });

  it('a Developer key lists, exports and imports the apps of its own organization, audited as the key', async () => {
    const key = await createKey('Developer');
    const list = await eventually(async () => {
      const res = await app.request('GET', `/v1/organizations/${org}/apps`, { token: key.key });
      expect(res.status).toBe(200);
      return res.body;
    });
    expect(list.items.map((a: { id: string }) => a.id)).toContain(appId);

    const exported = await app.request('POST', `/v1/organizations/${org}/apps/${appId}/exports`, { token: key.key });
    expect(exported.status).toBe(201);
    const download = await app.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: exported.body.download, headers: { authorization: `Bearer ${key.key}` } });
    expect(download.statusCode).toBe(200);
    // the same organization already has this app: the import makes the package its next version
    const imported = await upload(org, key.key, download.rawPayload, '?mode=upgrade');
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ id: appId, version: 2 });

    const audit = await eventually(async () => {
      const res = await app.request('GET', `/v1/organizations/${org}/audit`, { token: admin });
      const actions = res.body.items.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`);
      expect(actions).toEqual(expect.arrayContaining([`app.exported key:${key.id}`, `app.imported key:${key.id}`]));
      return actions;
    });
    expect(audit).not.toContain(`app.exported ${admin}`);
  });

  it('never another organization, another region, or beyond the key\'s role', async () => {
    const key = await createKey('Developer');
    await eventually(async () => expect((await app.request('GET', `/v1/organizations/${org}/apps`, { token: key.key })).status).toBe(200));
    const elsewhere = await app.request('GET', `/v1/organizations/${other}/apps`, { token: key.key });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.code).toBe('api-key-other-organization');
    expect((await app.request('POST', `/v1/organizations/${other}/apps/${appId}/exports`, { token: key.key })).status).toBe(403);
    const region = await app.request('GET', '/v1/organizations/org-eu-01jabcdefghjkmnpqrstvwxyz0/apps', { token: key.key });
    expect([403, 421]).toContain(region.status);
    // an Agent key reads nothing of apps (Agents hold no apps.* permission)
    const agent = await createKey('Agent');
    const refused = await eventually(async () => {
      const res = await app.request('GET', `/v1/organizations/${org}/apps`, { token: agent.key });
      expect(res.status).toBe(403);
      return res;
    });
    expect(refused.body.code).toBe('permission-denied');
    // a forged secret for a real key id is unknown
    expect((await app.request('GET', `/v1/organizations/${org}/apps`, { token: `ok_${key.id}.${'A'.repeat(43)}` })).status).toBe(401);
  });

  it('a revoked key stops working at app-packaging', async () => {
    const key = await createKey('Developer');
    await eventually(async () => expect((await app.request('GET', `/v1/organizations/${org}/apps`, { token: key.key })).status).toBe(200));
    expect((await app.request('DELETE', `/v1/organizations/${org}/api-keys/${key.id}`, { token: admin })).status).toBe(200);
    await eventually(async () => expect((await app.request('GET', `/v1/organizations/${org}/apps`, { token: key.key })).status).toBe(401));
    expect((await app.request('POST', `/v1/organizations/${org}/apps/${appId}/exports`, { token: key.key })).status).toBe(401);
  });
});
