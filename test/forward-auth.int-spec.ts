import { Flow } from './support/flow';
import { OPERATOR_TOKEN, startApp, TestApp } from './support/harness';

/** GET /v1/authz/forward as nginx auth_request calls it: the original request in X-Original-Method/URI */
const METRICS_TOKEN = 'metrics-token-forward-auth-0123456789abcdef';

describe('forward authentication (GET /v1/authz/forward)', () => {
  let app: TestApp;
  let flow: Flow;
  let orgId: string;
  let other: string;
  let admin: string;
  let developer: string;
  let agent: string;
  let adminId: string;
  let agentId: string;
  let developerId: string;

  const forward = (method: string, uri: string, token?: string, headers: Record<string, string> = {}) =>
    app.request('GET', '/v1/authz/forward', { token, headers: { 'x-original-method': method, 'x-original-uri': uri, ...headers } });

  beforeAll(async () => {
    app = await startApp({ METRICS_TOKEN });
    flow = new Flow(app);
    adminId = (await flow.user('ada@example.com')).id;
    developerId = (await flow.user('dev@example.com')).id;
    agentId = (await flow.user('agent@example.com')).id;
    orgId = (await flow.organization('Acme', 'ada@example.com')).id;
    other = (await flow.organization('Other', 'ada@example.com')).id;
    admin = await flow.scoped('ada@example.com', orgId);
    developer = await flow.join(orgId, admin, 'dev@example.com', 'Developer');
    agent = await flow.join(orgId, admin, 'agent@example.com', 'Agent');
  });
  afterAll(async () => app?.close());

  it('lets public routes through without a token', async () => {
    for (const [method, uri] of [['POST', '/v1/users'], ['POST', '/v1/sessions'], ['GET', '/.well-known/jwks.json'], ['GET', '/v1/permissions'], ['GET', '/health/ready']]) {
      const res = await forward(method, uri);
      expect({ uri, status: res.status }).toEqual({ uri, status: 200 });
      expect(res.headers['x-user-id']).toBeUndefined();
    }
  });

  it('answers 200 with the identity headers for the upstream, decided from current state', async () => {
    const res = await forward('GET', `/v1/organizations/${orgId}/audit?limit=5`, admin);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'x-user-id': adminId, 'x-organization-id': orgId, 'x-role': 'Admin', 'x-region': 'us' });
    const me = await forward('GET', '/v1/me', agent);
    expect(me.status).toBe(200);
    expect(me.headers).toMatchObject({ 'x-user-id': agentId, 'x-region': 'us' });
    expect(me.headers['x-organization-id']).toBeUndefined();
  });

  it('answers 401 with WWW-Authenticate and problem details for a missing or bad token', async () => {
    const none = await forward('GET', `/v1/organizations/${orgId}/members`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="orgs-control-plane"');
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.body).toMatchObject({ status: 401, title: 'Unauthorized', code: 'missing-token' });
    const [h, p] = admin.split('.');
    for (const token of ['garbage', `${h}.${p}.${'A'.repeat(86)}`]) {
      const bad = await forward('GET', `/v1/organizations/${orgId}/members`, token);
      expect(bad.status).toBe(401);
      expect(bad.headers['www-authenticate']).toBe('Bearer realm="orgs-control-plane", error="invalid_token"');
    }
  });

  it('answers 403 naming the permission when the role does not grant it', async () => {
    const res = await forward('GET', `/v1/organizations/${orgId}/audit`, agent);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 403, code: 'permission-denied', permission: 'audit.read', role: 'Agent', detail: 'the Agent role does not grant audit.read' });
    expect(res.headers['x-authz-permission']).toBe('audit.read');
    expect((await forward('POST', `/v1/organizations/${orgId}/integrations`, agent)).body.permission).toBe('resources.manage');
    expect((await forward('POST', `/v1/organizations/${orgId}/integrations`, developer)).status).toBe(200);
    expect((await forward('PUT', `/v1/organizations/${orgId}/members/${agentId}`, developer)).body.permission).toBe('members.manage');
    // percent-encoding is decided as the router decodes it: /aud%69t is the audit route
    expect((await forward('GET', `/v1/organizations/${orgId}/aud%69t`, developer)).body).toMatchObject({ permission: 'audit.read' });
  });

  it('refuses a token scoped to another organization, another region\'s organization, and unknown routes', async () => {
    expect((await forward('GET', `/v1/organizations/${other}/members`, admin)).body.code).toBe('token-not-scoped');
    const eu = await forward('GET', '/v1/organizations/org-eu-01jq7m3k9x2v5w8z4c6n1b0hya/members', admin);
    expect(eu.body).toMatchObject({ status: 403, code: 'wrong-region', region: 'eu' });
    const unknown = await forward('GET', '/v1/organizations/not-an-org/members', admin);
    expect(unknown.body.code).toBe('unknown-organization');
    const none = await forward('GET', '/v1/secrets', admin);
    expect(none.body).toMatchObject({ status: 403, code: 'no-route' });
  });

  it('takes operator credentials on operator routes only', async () => {
    expect((await forward('POST', '/v1/organizations', OPERATOR_TOKEN)).headers['x-auth-kind']).toBe('operator');
    expect((await forward('GET', `/v1/organizations/${orgId}/audit`, OPERATOR_TOKEN)).status).toBe(200);
    expect((await forward('PATCH', `/v1/organizations/${orgId}`, OPERATOR_TOKEN)).body.code).toBe('credential-not-accepted');
    expect((await forward('POST', '/v1/organizations', admin)).body.code).toBe('credential-not-accepted');
  });

  it('reads Traefik\'s and Envoy\'s forms, and refuses a request whose two forms disagree', async () => {
    const traefik = await app.request('GET', '/v1/authz/forward', {
      token: agent,
      headers: { 'x-forwarded-method': 'GET', 'x-forwarded-uri': `/v1/organizations/${orgId}/audit` },
    });
    expect(traefik.body.permission).toBe('audit.read');
    const envoy = await app.request('PUT', `/v1/authz/forward/v1/organizations/${orgId}/members/${agentId}`, { token: developer });
    expect(envoy.body).toMatchObject({ status: 403, permission: 'members.manage', code: 'permission-denied' });
    // a client that adds X-Original-URI of a public route behind Traefik does not get through
    const smuggled = await forward('GET', '/v1/permissions', agent, { 'x-forwarded-uri': `/v1/organizations/${orgId}/audit`, 'x-forwarded-method': 'GET' });
    expect(smuggled.status).toBe(400);
    for (const uri of [`/v1/organizations/${orgId}%2Faudit`, `/v1/organizations/${orgId}/../${other}/audit`, '/v1/%E0%A4%A', 'v1/users']) {
      const res = await forward('GET', uri, admin);
      expect({ uri, status: res.status, type: res.headers['content-type'] }).toEqual({ uri, status: 400, type: 'application/problem+json; charset=utf-8' });
    }
    expect((await app.request('GET', '/v1/authz/forward', { token: admin })).body.detail).toContain('X-Original-URI');
  });

  it('stops a removed member on the next request, and counts every decision', async () => {
    expect((await forward('GET', `/v1/organizations/${orgId}/apps`, developer)).status).toBe(200);
    const removed = await app.request('DELETE', `/v1/organizations/${orgId}/members/${developerId}`, { token: admin });
    expect(removed.status).toBe(204);
    const after = await forward('GET', `/v1/organizations/${orgId}/apps`, developer);
    expect(after.body).toMatchObject({ status: 403, code: 'not-a-member', permission: 'apps.read' });
    const metrics = await app.request('GET', '/metrics', { token: METRICS_TOKEN });
    expect(String(metrics.body)).toMatch(/authz_forward_decisions_total\{decision="denied",reason="not-a-member"\} [1-9]/);
    expect(String(metrics.body)).toMatch(/authz_forward_decisions_total\{decision="allowed",reason="allowed"\} [1-9]/);
  });
});
