import { eventually, PASSWORD, startApp, TestApp } from './support/harness';
import { TestSmtpServer } from './support/smtp';

jest.setTimeout(60_000);

/**
 * Account recovery over a real SMTP server (issue 9): password reset by the mailed link (single use, every
 * session ends), password change (other sessions end), sign out everywhere, the same answer for unknown
 * addresses, and the throttles on reset requests and sign-ups.
 */
describe('account recovery', () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  const NEW_PASSWORD = 'a brand new passphrase 42';

  const signUp = (email: string, ip?: string) =>
    app.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName: 'R' }, ...(ip ? { headers: { 'x-forwarded-for': ip } } : {}) });
  const signIn = async (email: string, password = PASSWORD) => {
    const res = await app.request('POST', '/v1/sessions', { body: { email, password } });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; refreshToken: string };
  };
  const refresh = (refreshToken: string) => app.request('POST', '/v1/sessions/refresh', { body: { refreshToken } });
  const resetMails = (to: string, n: number) =>
    eventually(async () => {
      const mails = smtp.mailsTo(to).filter((m) => m.subject === 'Reset your password');
      expect(mails.length).toBeGreaterThanOrEqual(n);
      return mails;
    });

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    const smtpUrl = await smtp.start(Number(process.env.SMTP_TEST_PORT ?? 0));
    app = await startApp({ SMTP_URL: smtpUrl, MAIL_RETRY_BASE_MS: '20', PASSWORD_RESET_MAX: '3', SIGNUP_MAX_PER_IP: '5', LOGIN_MAX_FAILURES: '20' });
    expect((await signUp('rita@example.com')).status).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
  });

  it('answers the same whether or not the email has an account; only the account gets a mail', async () => {
    const known = await app.request('POST', '/v1/password-resets', { body: { email: 'rita@example.com' } });
    const unknown = await app.request('POST', '/v1/password-resets', { body: { email: 'nobody@example.com' } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    const [mail] = await resetMails('rita@example.com', 1);
    expect(mail.link).toMatch(/\/\?token=pr_usr-[^#\s]+#\/reset-password$/);
    await app.identity.get((await import('../apps/identity/src/mail/mail.dispatcher')).MailDispatcher).flush();
    expect(smtp.mailsTo('nobody@example.com')).toEqual([]);
  });

  it('a reset from the mailed link sets the password once and ends every session', async () => {
    const before = await signIn('rita@example.com');
    const other = await signIn('rita@example.com');
    const again = await app.request('POST', '/v1/password-resets', { body: { email: 'rita@example.com' } });
    expect(again.status).toBe(202);
    const mails = await resetMails('rita@example.com', 2);
    const [older, latest] = [mails[0], mails[mails.length - 1]];

    // a newer request replaced the older link
    const stale = await app.request('POST', '/v1/password-resets/confirm', { body: { token: older.token, password: NEW_PASSWORD } });
    expect(stale.status).toBe(400);
    expect(stale.body.code).toBe('reset-link-invalid');
    const weak = await app.request('POST', '/v1/password-resets/confirm', { body: { token: latest.token, password: 'short' } });
    expect(weak.status).toBe(400);

    const done = await app.request('POST', '/v1/password-resets/confirm', { body: { token: latest.token, password: NEW_PASSWORD } });
    expect(done.status).toBe(200);
    const reuse = await app.request('POST', '/v1/password-resets/confirm', { body: { token: latest.token, password: NEW_PASSWORD + '!' } });
    expect(reuse.status).toBe(400);

    for (const session of [before, other]) expect((await refresh(session.refreshToken)).status).toBe(401);
    expect((await app.request('POST', '/v1/sessions', { body: { email: 'rita@example.com', password: PASSWORD } })).status).toBe(401);
    const fresh = await signIn('rita@example.com', NEW_PASSWORD);
    expect((await refresh(fresh.refreshToken)).status).toBe(200);
  });

  it('a password change needs the current password, ends the other sessions and keeps the caller signed in', async () => {
    const other = await signIn('rita@example.com', NEW_PASSWORD);
    const mine = await signIn('rita@example.com', NEW_PASSWORD);
    const wrong = await app.request('PUT', '/v1/me/password', { token: mine.accessToken, body: { currentPassword: 'not my password at all', newPassword: PASSWORD } });
    expect(wrong.status).toBe(401);
    const changed = await app.request('PUT', '/v1/me/password', { token: mine.accessToken, body: { currentPassword: NEW_PASSWORD, newPassword: PASSWORD } });
    expect(changed.status).toBe(200);
    expect(changed.headers['cache-control']).toBe('no-store');
    expect((await refresh(other.refreshToken)).status).toBe(401);
    expect((await refresh(mine.refreshToken)).status).toBe(401);
    expect((await refresh(changed.body.refreshToken)).status).toBe(200);
    await signIn('rita@example.com', PASSWORD);
  });

  it('sign out everywhere ends every session: no refresh token of the account works any more', async () => {
    const a = await signIn('rita@example.com');
    const b = await signIn('rita@example.com');
    expect((await app.request('POST', '/v1/me/sessions/sign-out-everywhere', { token: a.accessToken })).status).toBe(204);
    expect((await refresh(a.refreshToken)).status).toBe(401);
    expect((await refresh(b.refreshToken)).status).toBe(401);
    const after = await signIn('rita@example.com');
    expect((await refresh(after.refreshToken)).status).toBe(200);
  });

  it('throttles reset requests per email, whether or not it has an account', async () => {
    for (const email of ['rita@example.com', 'ghost@example.com']) {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await app.request('POST', '/v1/password-resets', { body: { email } })).status);
      // rita already used 2 of her 3
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    }
    const throttled = await app.request('POST', '/v1/password-resets', { body: { email: 'ghost@example.com' } });
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('reset-throttled');
    expect(throttled.headers['retry-after']).toBeDefined();
  });

  it('throttles sign-ups (each mails someone) per client address; X-Forwarded-For from an untrusted peer changes nothing', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await signUp(`many${i}@example.com`, `203.0.113.${i}`)).status);
    expect(statuses).toContain(429);
    const refused = await signUp('one-more@example.com');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('sign-up-throttled');
  });
});
