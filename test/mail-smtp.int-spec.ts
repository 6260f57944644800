import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from './support/harness';
import { TestSmtpServer } from './support/smtp';
import { MailDispatcher } from '../apps/identity/src/mail/mail.dispatcher';

jest.setTimeout(60_000);

/** mail over a real SMTP server: delivery, links that work, retries, dead letters, no second mail on replay */
describe('mail over SMTP', () => {
  let smtp: TestSmtpServer;
  let smtpUrl: string;
  let app: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'ocp-mail-'));
  const env = () => ({ SMTP_URL: smtpUrl, MAIL_MAX_ATTEMPTS: '3', MAIL_RETRY_BASE_MS: '20', PUBLIC_URL: 'https://console.example.test' });

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    smtpUrl = await smtp.start(Number(process.env.SMTP_TEST_PORT ?? 0));
    app = await startApp(env(), dataDir);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
  });

  const signUp = (email: string) => app.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName: 'Mail Test' } });

  it('delivers the verification mail (text and HTML, PUBLIC_URL links) and its link verifies', async () => {
    expect((await signUp('ada@example.com')).status).toBe(201);
    const mail = await eventually(async () => {
      const [m] = smtp.mailsTo('ada@example.com');
      expect(m).toBeDefined();
      return m;
    });
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.link).toMatch(/^https:\/\/console\.example\.test\/\?token=ev_usr-[^#\s]+#\/verify-email$/);
    expect(mail.html).toContain(`href="${mail.link}"`);
    const res = await app.request('POST', '/v1/email-verifications', { body: { token: mail.token } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: 'ada@example.com', emailVerified: true });
  });

  it('mails an invitation created by provisioning to the admin address', async () => {
    const org = (await app.request('POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name: 'Mailco', region: 'us', admin: { email: 'boss@mailco.example' } } })).body;
    const mail = await eventually(async () => {
      const [m] = smtp.mailsTo('boss@mailco.example');
      expect(m).toBeDefined();
      return m;
    });
    expect(mail.subject).toBe('Invitation to Mailco');
    expect(mail.text).toContain('as Admin');
    expect(mail.link).toContain(`/invitations/${org.admin.invitationId}?token=iv_`);
  });

  it('retries a temporary refusal with backoff and delivers once', async () => {
    expect((await signUp('flaky@example.com')).status).toBe(201);
    await eventually(async () => expect(smtp.mailsTo('flaky@example.com')).toHaveLength(1));
    expect(smtp.refused).toContain('flaky@example.com');
    expect(app.identity.get(MailDispatcher).deadLetters()).toEqual([]);
  });

  it('dead-letters an undeliverable mail with the reason after the last attempt, and goes on', async () => {
    expect((await signUp('bounce@example.com')).status).toBe(201);
    expect((await signUp('after-bounce@example.com')).status).toBe(201);
    await eventually(async () => expect(smtp.mailsTo('after-bounce@example.com')).toHaveLength(1));
    expect(smtp.refused.filter((r) => r === 'bounce@example.com')).toHaveLength(3);
    const [dead] = app.identity.get(MailDispatcher).deadLetters();
    expect(dead).toMatchObject({ eventType: 'EmailVerificationRequested', attempts: 3, reason: expect.stringMatching(/550|rejected|unavailable/i) });
  });

  it('sends no second mail when the log is replayed (idempotent by event id)', async () => {
    await app.identity.get(MailDispatcher).flush();
    const before = smtp.received.length;
    await app.close({ keepData: true });
    const db = new Database(join(dataDir, 'identity', 'read-models.sqlite'));
    db.prepare("UPDATE checkpoints SET position = 0 WHERE name = 'mailer:identity'").run();
    db.close();
    app = await startApp(env(), dataDir);
    await app.identity.get(MailDispatcher).flush();
    expect(app.identity.get(MailDispatcher).position).toBeGreaterThan(0);
    expect(smtp.received.length).toBe(before);
  });
});
