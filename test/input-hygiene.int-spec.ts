import { importJWK, SignJWT } from 'jose';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@lib/auth';
import { AUTHZ_CHECK_PATH } from '../apps/organization/src/authz/authz.route';
import { OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from './support/harness';
import { MailDispatcher } from '../apps/identity/src/mail/mail.dispatcher';

jest.setTimeout(60_000);

const deep = (depth: number) => `{"email":"a@b.co","password":"x","displayName":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/** limits and input hygiene on every endpoint (issue 9): each case answered 500, 200 or a bare error before */
describe('input hygiene and limits over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['sign-up (no token)', '/v1/users'],
    ['sign-in (no token)', '/v1/sessions'],
    ['the authorization fast route', AUTHZ_CHECK_PATH],
    ['an operator endpoint', '/v1/organizations'],
  ])('refuses 10,000 levels of JSON nesting on %s with 400 before anything recurses', async (_name, url) => {
    const res = await app.request('POST', url, { raw: deep(10_000), token: OPERATOR_TOKEN });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, code: 'json-too-deep' });
  });

  it.each([
    ['NUL', '"Ada\\u0000"'],
    ['a lone surrogate', '"Ada\\ud800"'],
    ['an escape character', '"\\u001b[2J"'],
  ])('refuses %s in a string field', async (_name, displayName) => {
    const res = await app.request('POST', '/v1/users', { raw: `{"email":"nul@example.com","password":"${PASSWORD}","displayName":${displayName}}` });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'forbidden-character', pointer: '/displayName' });
  });

  it('NFC-normalises emails and refuses invisible characters in them', async () => {
    const decomposed = 'zoe\u0301@example.com';
    expect((await app.request('POST', '/v1/users', { body: { email: decomposed, password: PASSWORD, displayName: 'Zoe' } })).status).toBe(201);
    const signIn = await app.request('POST', '/v1/sessions', { body: { email: 'ZO\u00c9@example.com', password: PASSWORD } });
    expect(signIn.status).toBe(200);
    expect(signIn.body.user.email).toBe('zo\u00e9@example.com');
    const hidden = await app.request('POST', '/v1/users', { body: { email: 'zo\u200d\u00e9@example.com', password: PASSWORD, displayName: 'Z' } });
    expect(hidden.status).toBe(400);
    expect(hidden.body.errors).toEqual([expect.objectContaining({ field: 'email', message: expect.stringContaining('invisible') })]);
  });

  it('answers 415 problem details for a form-encoded body on a JSON endpoint', async () => {
    const res = await app.request('POST', '/v1/sessions', { raw: 'email=a%40b.co&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers 414 for an over-long path parameter as problem details', async () => {
    const res = await app.request('GET', `/v1/organizations/org-us-${'a'.repeat(500)}`, { token: OPERATOR_TOKEN });
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.status).toBe(414);
  });

  it('answers 431 for oversized headers as problem details (a real socket: Node refuses before any route)', async () => {
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.app.getHttpServer().address() as { port: number };
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`));
      let data = '';
      socket.on('data', (c) => (data += c));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431/);
    expect(raw).toContain('content-type: application/problem+json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
  });

  it('sends token responses with Cache-Control: no-store, and security headers everywhere', async () => {
    await app.request('POST', '/v1/users', { body: { email: 'cache@example.com', password: PASSWORD, displayName: 'C' } });
    const res = await app.request('POST', '/v1/sessions', { body: { email: 'cache@example.com', password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const refreshed = await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: res.body.refreshToken } });
    expect(refreshed.headers['cache-control']).toBe('no-store');
    for (const reply of [res, await app.request('GET', '/health/live')]) {
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['strict-transport-security']).toContain('max-age=');
      expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
      expect(reply.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  it('refuses a correctly signed token that has no expiry', async () => {
    const dir = join(app.dataDir, 'identity', 'keys');
    const stored = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
    const key = await importJWK(stored.privateJwk, 'ES256');
    const forever = await new SignJWT({ email: 'cache@example.com', email_verified: true })
      .setProtectedHeader({ alg: 'ES256', kid: stored.kid })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject('usr-x')
      .setJti('j1')
      .setIssuedAt()
      .sign(key);
    const res = await app.request('GET', '/v1/me', { token: forever });
    expect(res.status).toBe(401);
  });

  it('keeps every file under DATA_DIR 0600 and every directory 0700', async () => {
    await app.identity.get(MailDispatcher).flush();
    const loose: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const stat = statSync(path);
        if ((stat.mode & 0o077) !== 0) loose.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
        if (stat.isDirectory()) walk(path);
      }
    };
    expect(statSync(app.dataDir).mode & 0o777).toBe(0o700);
    walk(app.dataDir);
    expect(readdirSync(join(app.dataDir, 'identity', 'outbox')).length).toBeGreaterThan(0);
    expect(loose).toEqual([]);
  });
});

describe('metrics access', () => {
  it('serves /metrics on METRICS_PORT and not on the API port', async () => {
    const port = Number(process.env.METRICS_TEST_PORT ?? 10150);
    const app = await startApp({ METRICS_PORT: String(port), HOST: '127.0.0.1' });
    try {
      expect((await app.request('GET', '/metrics')).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('http_request_duration_seconds');
    } finally {
      await app.close();
    }
  });
});
