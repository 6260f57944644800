import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { Flow } from './support/flow';
import { startApp, TestApp } from './support/harness';

const METRICS_TOKEN = 'metrics-token-forward-fast-0123456789abcdef';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Forward-auth over a real socket is answered ahead of Fastify (forward-auth.fast-path.ts); in-process
 * `inject` goes through the Fastify route. Both must give the same answer for the same request, and the
 * socket path must keep what a gateway relies on (ids, metrics, no caching, current state).
 */
describe('forward-auth over a socket (the fast path) answers as the Fastify route does', () => {
  let app: TestApp;
  let flow: Flow;
  let port: number;
  let orgId: string;
  let admin: string;
  let agent: string;

  const overSocket = (method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const inProcess = async (method: string, path: string, headers: Record<string, string>): Promise<Raw> => {
    const res = await app.app.getHttpAdapter().getInstance().inject({ method: method as never, url: path, headers });
    return { status: res.statusCode, headers: res.headers as Raw['headers'], body: res.body };
  };
  // an empty answer's content type says nothing (Fastify labels '' text/plain; the fast path sends none)
  const decisionHeaders = (r: Raw) =>
    Object.fromEntries(
      Object.entries(r.headers).filter(([k]) => /^x-(user-id|organization-id|role|region|auth-kind|authz-)|^www-authenticate$|^cache-control$/.test(k) || (k === 'content-type' && r.body !== '')),
    );

  beforeAll(async () => {
    app = await startApp({ METRICS_TOKEN });
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.app.getHttpServer().address() as AddressInfo).port;
    flow = new Flow(app);
    await flow.user('fast-admin@example.com');
    await flow.user('fast-agent@example.com');
    orgId = (await flow.organization('Fast', 'fast-admin@example.com')).id;
    admin = await flow.scoped('fast-admin@example.com', orgId);
    agent = await flow.join(orgId, admin, 'fast-agent@example.com', 'Agent');
  });
  afterAll(async () => app?.close());

  it('gives the same status, identity headers and problem for each kind of answer', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/v1/authz/forward', { authorization: `Bearer ${admin}`, 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${orgId}/audit` }],
      ['GET', '/v1/authz/forward', { authorization: `Bearer ${agent}`, 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${orgId}/audit` }],
      ['GET', '/v1/authz/forward', { 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${orgId}/members` }],
      ['GET', '/v1/authz/forward', { authorization: 'Bearer not.a.token', 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${orgId}/members` }],
      ['GET', '/v1/authz/forward', { authorization: `Bearer ${admin}`, 'x-original-method': 'GET', 'x-forwarded-method': 'POST', 'x-original-uri': '/v1/me' }],
      ['GET', '/v1/authz/forward', { 'x-original-method': 'GET', 'x-original-uri': '/v1/organizations/%2e%2e/members' }],
      ['POST', `/v1/authz/forward/v1/organizations/${orgId}/members`, { authorization: `Bearer ${admin}` }],
      ['GET', '/v1/authz/forward?probe=1', { authorization: `Bearer ${admin}`, 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/v1/me' }],
      ['GET', '/v1/authz/forward', { 'x-original-method': 'POST', 'x-original-uri': '/v1/sessions' }],
    ];
    for (const [method, path, headers] of cases) {
      const socket = await overSocket(method, path, headers);
      const injected = await inProcess(method, path, headers);
      expect({ path, headers, status: socket.status, decision: decisionHeaders(socket), body: socket.body ? JSON.parse(socket.body) : '' }).toEqual({
        path,
        headers,
        status: injected.status,
        decision: decisionHeaders(injected),
        body: injected.body ? JSON.parse(injected.body) : '',
      });
      expect(socket.headers['cache-control']).toBe('no-store');
      expect(socket.headers['x-request-id']).toEqual(expect.any(String));
    }
  });

  it('decides from current state on the next request: a removed member is refused at once', async () => {
    await flow.user('fast-dev@example.com');
    const developer = await flow.join(orgId, admin, 'fast-dev@example.com', 'Developer');
    const ask = () => overSocket('GET', '/v1/authz/forward', { authorization: `Bearer ${developer}`, 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${orgId}/members` });
    const before = await ask();
    expect(before.status).toBe(200);
    const removed = await app.request('DELETE', `/v1/organizations/${orgId}/members/${before.headers['x-user-id']}`, { token: admin });
    expect(removed.status).toBeLessThan(300);
    expect((await ask()).status).toBe(403);
  });

  it('echoes a valid request id and correlation id, makes one for a hostile one, and counts the answers in the latency histogram', async () => {
    const headers = { 'x-original-method': 'GET', 'x-original-uri': '/v1/me', 'x-request-id': 'gw-req-1', 'x-correlation-id': 'corr-9' };
    const echoed = await overSocket('GET', '/v1/authz/forward', headers);
    expect(echoed.headers).toMatchObject({ 'x-request-id': 'gw-req-1', 'x-correlation-id': 'corr-9' });
    const hostile = await overSocket('GET', '/v1/authz/forward', { ...headers, 'x-request-id': 'a b;', 'x-correlation-id': '<script>' });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hostile.headers['x-correlation-id']).toBe(hostile.headers['x-request-id']);
    const scraped = await overSocket('GET', '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(scraped.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/authz\/forward",status="401"\} [1-9]/);
    expect(scraped.body).toMatch(/authz_forward_decisions_total\{decision="denied",reason="missing-token"\} [1-9]/);
  });

  it('leaves requests with a body, other methods and other paths to Fastify (body limit, 404)', async () => {
    const big = await overSocket('POST', '/v1/authz/forward', { 'content-type': 'application/json', 'x-original-method': 'GET', 'x-original-uri': '/v1/me' }, JSON.stringify({ pad: 'x'.repeat(4096) }));
    expect(big.status).toBe(413);
    expect((await overSocket('GET', '/v1/authz/forwardx', {})).status).toBe(404);
    expect((await overSocket('TRACE', '/v1/authz/forward', {})).status).toBe(404);
    // and the rest of the service is still served by Fastify on the same socket
    expect((await overSocket('GET', '/v1/permissions', {})).status).toBe(200);
  });
});
