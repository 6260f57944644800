import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGIONS } from '@lib/contracts';
import { Flow } from '../support/flow';
import { startApp, TestApp } from '../support/harness';
import { send } from '../support/http-client';
import { startNginx } from '../support/real-nginx';
import { mainConf, recordingUpstreams, renderGateway } from '../deploy/support/gateway-nginx';

jest.setTimeout(120_000);

/** ports of this suite (below the ephemeral range 32768-60999, where outgoing connections would take them): GATEWAY_E2E_PORT (nginx), +20 the services, +50.. stand-in upstreams */
const NGINX = Number(process.env.GATEWAY_E2E_PORT ?? 31090);
const SERVICES = NGINX + 20;

/**
 * The real nginx with deploy/gateway's template in front of the product (region us, all three services on
 * one port). The us app-packaging upstream and the eu and apac stacks are stand-ins that record what
 * reaches them (the eu/apac stand-ins also answer their region's forward-auth with 200), so the test can see
 * which headers an upstream receives and where a request was routed.
 */
describe('the gateway (real nginx, auth_request) in front of the services', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'ocp-gateway-e2e-'));
  chmodSync(prefix, 0o755);
  let app: TestApp;
  let flow: Flow;
  let nginx: { stop(): Promise<void> };
  let standIns: Awaited<ReturnType<typeof recordingUpstreams>>;
  let orgId: string;
  let admin: string;
  let developer: string;
  let agent: string;
  let adminId: string;
  let developerId: string;
  let agentId: string;

  const through = (method: string, path: string, token?: string, headers: Record<string, string> = {}) =>
    send(NGINX, method, path, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

  beforeAll(async () => {
    app = await startApp();
    await app.app.listen({ port: SERVICES, host: '127.0.0.1' });
    const standInNames = ['us-app-packaging', ...REGIONS.filter((r) => r !== 'us').flatMap((r) => [`${r}-identity`, `${r}-organization`, `${r}-app-packaging`])];
    standIns = await recordingUpstreams(standInNames, NGINX + 50, () => ({ 'x-user-id': 'usr-from-the-other-region' }));
    const upstream = (name: string) => (name === 'us-identity' || name === 'us-organization' ? `127.0.0.1:${SERVICES}` : standIns.address(name));
    nginx = await startNginx(mainConf(renderGateway('us', NGINX, upstream), prefix), { prefix });

    flow = new Flow(app);
    adminId = (await flow.user('ada@example.com')).id;
    developerId = (await flow.user('dev@example.com')).id;
    agentId = (await flow.user('agent@example.com')).id;
    orgId = (await flow.organization('Acme', 'ada@example.com')).id;
    admin = await flow.scoped('ada@example.com', orgId);
    developer = await flow.join(orgId, admin, 'dev@example.com', 'Developer');
    agent = await flow.join(orgId, admin, 'agent@example.com', 'Agent');
  });
  afterAll(async () => {
    await nginx?.stop();
    await standIns?.close();
    await app?.close();
    rmSync(prefix, { recursive: true, force: true });
  });

  it('passes public routes and allowed requests through to the services', async () => {
    const signIn = await send(NGINX, 'POST', '/v1/sessions', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse battery staple' }),
    });
    expect(signIn.status).toBe(200);
    expect((await through('GET', '/v1/permissions')).status).toBe(200);
    const audit = await through('GET', `/v1/organizations/${orgId}/audit`, admin);
    expect(audit.status).toBe(200);
    expect(audit.json().items.length).toBeGreaterThan(0);
  });

  it('answers 401 with WWW-Authenticate at the gateway for a missing or bad token', async () => {
    const none = await through('GET', `/v1/organizations/${orgId}/members`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="orgs-control-plane"');
    expect(none.headers['content-type']).toBe('application/problem+json');
    expect(none.json()).toMatchObject({ status: 401, code: 'missing-token' });
    const bad = await through('GET', `/v1/organizations/${orgId}/members`, 'not-a-token');
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="orgs-control-plane", error="invalid_token"');
  });

  it('stops an Agent at the gateway on an Admin route, naming the permission', async () => {
    const res = await through('GET', `/v1/organizations/${orgId}/audit`, agent);
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({
      type: 'https://problems.orgs-control-plane.dev/403',
      title: 'Forbidden',
      status: 403,
      detail: 'denied at the gateway',
      code: 'permission-denied',
      permission: 'audit.read',
    });
    expect(res.headers['x-authz-permission']).toBe('audit.read');
    const change = await send(NGINX, 'PUT', `/v1/organizations/${orgId}/members/${developerId}`, {
      headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'Admin' }),
    });
    expect(change.json()).toMatchObject({ status: 403, permission: 'members.manage', detail: 'denied at the gateway' });
  });

  it('stops a removed member at the gateway on the next request', async () => {
    expect((await through('GET', `/v1/organizations/${orgId}/members`, developer)).status).toBe(200);
    expect((await through('DELETE', `/v1/organizations/${orgId}/members/${developerId}`, admin)).status).toBe(204);
    const next = await through('GET', `/v1/organizations/${orgId}/members`, developer);
    expect(next.status).toBe(403);
    expect(next.json()).toMatchObject({ code: 'not-a-member', permission: 'members.read', detail: 'denied at the gateway' });
  });

  it('never lets client-sent identity headers reach the upstream: it gets forward-auth\'s answer', async () => {
    const forged = { 'x-user-id': agentId, 'x-role': 'Agent', 'x-organization-id': 'org-us-00000000000000000000000000', 'x-region': 'eu', 'x-original-uri': '/v1/permissions' };
    const before = standIns.recorded.length;
    expect((await through('GET', `/v1/organizations/${orgId}/apps`, admin, forged)).status).toBe(200);
    const received = standIns.recorded.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ upstream: 'us-app-packaging', url: `/v1/organizations/${orgId}/apps` });
    const h = received[0].headers;
    expect({ user: h['x-user-id'], role: h['x-role'], org: h['x-organization-id'], region: h['x-region'], uri: h['x-original-uri'] }).toEqual({
      user: adminId,
      role: 'Admin',
      org: orgId,
      region: 'us',
      uri: undefined,
    });
    // nor does a forged header buy an Agent an Admin route
    const asAdmin = { 'x-user-id': adminId, 'x-role': 'Admin' };
    expect((await through('GET', `/v1/organizations/${orgId}/audit`, agent, asAdmin)).status).toBe(403);
  });

  it('routes another region\'s organization to that region (its forward-auth, its upstream)', async () => {
    const eu = 'org-eu-01jq7m3k9x2v5w8z4c6n1b0hya';
    const before = standIns.recorded.length;
    const res = await through('GET', `/v1/organizations/${eu}/members`, admin);
    expect(res.status).toBe(200);
    expect(res.headers['x-routed-region']).toBe('eu');
    expect(standIns.recorded.slice(before)).toEqual([expect.objectContaining({ upstream: 'eu-organization', url: `/v1/organizations/${eu}/members` })]);
    expect(standIns.recorded[before].headers['x-user-id']).toBe('usr-from-the-other-region');
  });
});
