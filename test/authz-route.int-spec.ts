import { OPERATOR_TOKEN, startApp, TestApp } from './support/harness';

describe('POST /v1/authz/check (registered on Fastify directly)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ SERVICE_TOKENS: 'svc-token-0123456789-abcdefghijklmnopqrs' });
  });
  afterAll(async () => app?.close());
  const body = { userId: 'usr-x', organizationId: 'org-us-00000000000000000000000000', permission: 'apps.read' };

  it('takes operator and service tokens, and answers from current state', async () => {
    for (const token of [OPERATOR_TOKEN, 'svc-token-0123456789-abcdefghijklmnopqrs']) {
      const res = await app.request('POST', '/v1/authz/check', { token, body });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ allowed: false, role: null, reason: 'unknown-organization' });
    }
  });

  it('refuses other credentials and bad bodies with problem details', async () => {
    const none = await app.request('POST', '/v1/authz/check', { body });
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect((await app.request('POST', '/v1/authz/check', { token: 'nope', body })).status).toBe(401);
    expect((await app.request('POST', '/v1/authz/check', { token: 'a.b.c', body })).status).toBe(401);
    for (const bad of [{ ...body, extra: 1 }, { ...body, permission: 'apps.fly' }, { userId: 'x' }, { ...body, userId: 42 }]) {
      const res = await app.request('POST', '/v1/authz/check', { token: OPERATOR_TOKEN, body: bad });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 400, title: 'Bad Request', errors: expect.any(Array) });
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const malformed = await app.request('POST', '/v1/authz/check', { token: OPERATOR_TOKEN, raw: '{"userId":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.status).toBe(400);
  });
});
