import { authenticator } from 'otplib';
import { decodeJwt } from 'jose';
import { eventually, OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from './support/harness';
import { Flow } from './support/flow';

jest.setTimeout(60_000);

/** a code of the time step `steps` after the current one (the server accepts one step of drift) */
const codeAt = (secret: string, steps = 0) => authenticator.clone({ epoch: Date.now() + steps * 30_000 }).generate(secret);

describe('MFA: TOTP enrolment, the mfa-required sign-in step, recovery codes', () => {
  let app: TestApp;
  let flow: Flow;
  beforeAll(async () => {
    app = await startApp({ LOGIN_MAX_FAILURES: '3' });
    flow = new Flow(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  const signIn = (email: string, password = PASSWORD) => app.request('POST', '/v1/sessions', { body: { email, password } });

  async function enrol(email: string) {
    await flow.user(email);
    const token = await flow.signIn(email);
    const started = await app.request('POST', '/v1/me/mfa/totp', { token });
    expect(started.status).toBe(200);
    expect(started.headers['cache-control']).toBe('no-store');
    const secret = started.body.secret as string;
    const uri = new URL(started.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(secret);
    const confirmed = await app.request('POST', '/v1/me/mfa/totp/confirm', { token, body: { code: codeAt(secret) } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    return { token, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  }

  it('enrols, then sign-in answers mfa-required and takes a code; the token says mfa', async () => {
    const { token, secret } = await enrol('mia@mfa.example');
    expect((await app.request('GET', '/v1/me', { token })).body.user.mfaEnabled).toBe(true);
    const first = await signIn('mia@mfa.example');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'mfa-required', mfaToken: expect.stringMatching(/^mc_/), methods: ['totp', 'recovery-code'] });
    expect(first.body.accessToken).toBeUndefined();
    // the code that confirmed the enrolment cannot be replayed within its window
    const replay = await app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: first.body.mfaToken, code: codeAt(secret) } });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('mfa-code-reused');
    const done = await app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: first.body.mfaToken, code: codeAt(secret, 1) } });
    expect(done.status).toBe(200);
    expect(done.headers['cache-control']).toBe('no-store');
    expect(decodeJwt(done.body.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(done.body.refreshToken).toMatch(/^rt_/);
    // single use: the same step token does not work twice
    const again = await app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: first.body.mfaToken, code: codeAt(secret, 1) } });
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('mfa-challenge-invalid');
    // a refreshed token keeps the session's methods
    const refreshed = await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: done.body.refreshToken } });
    expect(decodeJwt(refreshed.body.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('takes a recovery code once; a password-only account gets amr pwd', async () => {
    const { recoveryCodes } = await enrol('rex@mfa.example');
    const step = (await signIn('rex@mfa.example')).body.mfaToken;
    const ok = await app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: step, recoveryCode: recoveryCodes[0] } });
    expect(ok.status).toBe(200);
    const step2 = (await signIn('rex@mfa.example')).body.mfaToken;
    const reused = await app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: step2, recoveryCode: recoveryCodes[0] } });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('mfa-recovery-code-invalid');
    await flow.user('pat@mfa.example');
    expect(decodeJwt(await flow.signIn('pat@mfa.example')).amr).toEqual(['pwd']);
  });

  it('throttles wrong codes per account, counted before the check', async () => {
    const { secret } = await enrol('tom@mfa.example');
    const step = (await signIn('tom@mfa.example')).body.mfaToken;
    const wrong = String((Number(codeAt(secret, 1)) + 1) % 1_000_000).padStart(6, '0');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: step, code: wrong } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(results.find((r) => r.status === 429)!.body.code).toBe('mfa-throttled');
    // even the right code is refused while throttled
    const right = await app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: step, code: codeAt(secret, 1) } });
    expect(right.status).toBe(429);
  });

  it('disables with the password and a code; sign-in is one step again', async () => {
    const { token, secret } = await enrol('dan@mfa.example');
    const wrongPassword = await app.request('POST', '/v1/me/mfa/disable', { token, body: { password: 'not the password at all', code: codeAt(secret, 1) } });
    expect(wrongPassword.status).toBe(403);
    const none = await app.request('POST', '/v1/me/mfa/disable', { token, body: { password: PASSWORD } });
    expect(none.status).toBe(400);
    expect(none.body.code).toBe('mfa-code-missing');
    const off = await app.request('POST', '/v1/me/mfa/disable', { token, body: { password: PASSWORD, code: codeAt(secret, 1) } });
    expect(off.status).toBe(204);
    expect((await signIn('dan@mfa.example')).body.accessToken).toEqual(expect.any(String));
  });

  it('refuses a confirmation with a wrong code and keeps the secret out of the event log', async () => {
    await flow.user('eve@mfa.example');
    const token = await flow.signIn('eve@mfa.example');
    const { secret } = (await app.request('POST', '/v1/me/mfa/totp', { token })).body;
    const bad = await app.request('POST', '/v1/me/mfa/totp/confirm', { token, body: { code: '000000' === codeAt(secret) ? '111111' : '000000' } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('mfa-code-invalid');
    const userId = decodeJwt(token).sub!;
    const events = await app.identity.store.readStream(`mfa-${userId}`);
    expect(events.map((e) => e.type)).toEqual(['MfaEnrolmentStarted']);
    expect(JSON.stringify(events)).not.toContain(secret);
  });
});

describe('an organization that requires MFA', () => {
  let app: TestApp;
  let flow: Flow;
  beforeAll(async () => {
    app = await startApp();
    flow = new Flow(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  /** enrols the signed-in user; returns the secret */
  async function enrol(token: string) {
    const { secret } = (await app.request('POST', '/v1/me/mfa/totp', { token })).body;
    expect((await app.request('POST', '/v1/me/mfa/totp/confirm', { token, body: { code: codeAt(secret) } })).status).toBe(200);
    return secret as string;
  }
  /** signs in with password and the next code; an unscoped access token that says mfa */
  async function signInWithMfa(email: string, secret: string) {
    const step = await app.request('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(step.body.status).toBe('mfa-required');
    const done = await app.request('POST', '/v1/sessions/mfa', { body: { mfaToken: step.body.mfaToken, code: codeAt(secret, 1) } });
    expect(done.status).toBe(200);
    return done.body.accessToken as string;
  }
  const select = (token: string, organizationId: string) => app.request('POST', '/v1/sessions/organization', { token, body: { organizationId } });

  it('refuses members without MFA a scoped token, says why in authz check and forward, and accepts after enrolment', async () => {
    await flow.user('ada@secure.example');
    const org = await flow.organization('Secure', 'ada@secure.example');
    const adaPlain = await flow.scoped('ada@secure.example', org.id);
    await flow.user('dev@secure.example');
    const devScoped = await flow.join(org.id, adaPlain, 'dev@secure.example', 'Developer');
    const devId = decodeJwt(devScoped).sub!;

    // an Admin whose own session had no second factor cannot turn it on (no lock-out)
    const early = await app.request('PUT', `/v1/organizations/${org.id}/mfa-requirement`, { token: adaPlain, body: { required: true } });
    expect(early.status).toBe(403);
    expect(early.body.code).toBe('mfa-required');

    const adaSecret = await enrol(await flow.signIn('ada@secure.example'));
    const adaMfa = (await select(await signInWithMfa('ada@secure.example', adaSecret), org.id)).body.accessToken;
    expect(decodeJwt(adaMfa).amr).toContain('mfa');
    const on = await app.request('PUT', `/v1/organizations/${org.id}/mfa-requirement`, { token: adaMfa, body: { required: true } });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ organizationId: org.id, mfaRequired: true });
    expect((await app.request('GET', `/v1/organizations/${org.id}`, { token: adaMfa })).body.mfaRequired).toBe(true);

    // the member without a second factor: no scoped token, with a code telling them to enrol
    const devPlain = await flow.signIn('dev@secure.example');
    const refused = await eventually(async () => {
      const r = await select(devPlain, org.id);
      expect(r.status).toBe(403);
      return r;
    });
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('mfa-enrolment-required');
    // a scoped token from before the requirement no longer works: decided from current state
    const old = await app.request('GET', `/v1/organizations/${org.id}`, { token: devScoped });
    expect(old.status).toBe(403);
    expect(old.body.code).toBe('mfa-required');
    // the gateway's checks say why
    const check = (body: Record<string, unknown>) => app.request('POST', '/v1/authz/check', { token: OPERATOR_TOKEN, body });
    expect((await check({ userId: devId, organizationId: org.id, permission: 'console.access' })).body).toEqual({
      allowed: false,
      role: 'Developer',
      reason: 'mfa-required',
    });
    expect((await check({ userId: devId, organizationId: org.id, permission: 'console.access', mfa: true })).body).toEqual({ allowed: true, role: 'Developer' });
    const forward = await app.request('GET', '/v1/authz/forward', {
      token: devScoped,
      headers: { 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${org.id}` },
    });
    expect(forward.status).toBe(403);
    expect(forward.headers['x-authz-reason']).toBe('mfa-required');
    expect(forward.body.code).toBe('mfa-required');

    // enrolled but signed in with the password only (the enrolment's own session): sign in again with the code
    const devSecret = await enrol(devPlain);
    const sameSession = await select(devPlain, org.id);
    expect(sameSession.status).toBe(403);
    expect(sameSession.body.code).toBe('mfa-required');
    const devMfa = await select(await signInWithMfa('dev@secure.example', devSecret), org.id);
    expect(devMfa.status).toBe(200);
    const forwardOk = await app.request('GET', '/v1/authz/forward', {
      token: devMfa.body.accessToken,
      headers: { 'x-original-method': 'GET', 'x-original-uri': `/v1/organizations/${org.id}` },
    });
    expect(forwardOk.status).toBe(200);

    // the audit trail names who changed it
    const audit = await app.request('GET', `/v1/organizations/${org.id}/audit`, { token: adaMfa });
    const entry = audit.body.items.find((e: { action: string }) => e.action === 'organization.mfa_requirement_changed');
    expect(entry).toMatchObject({ actor: decodeJwt(adaMfa).sub, details: { required: true } });
  });
});
