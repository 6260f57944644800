import { authenticator } from 'otplib';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestSmtpServer } from '../support/smtp';
import { ReceivedMail } from '../support/mail';
import { call, eventually, ServiceProcess } from './processes';

const KAFKA_NAMESPACE = `e2e-story-${randomBytes(4).toString('hex')}`;

jest.setTimeout(300_000);

const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
/** two ports from here (identity, organization); the SMTP server listens on PEOPLE_STORY_SMTP_PORT (0: any free port) */
const PORT_BASE = Number(process.env.PEOPLE_STORY_E2E_PORT ?? 20310);
const SMTP_PORT = Number(process.env.PEOPLE_STORY_SMTP_PORT ?? 20325);
const OPERATOR_TOKEN = `op-e2e-${randomBytes(16).toString('hex')}`;
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase for dev';
const PUBLIC_URL = 'https://console.story.example';

/** a code of the time step `steps` after the current one (identity accepts one step of drift) */
const codeAt = (secret: string, steps = 0) => authenticator.clone({ epoch: Date.now() + steps * 30_000 }).generate(secret);

/**
 * The people story of issue 9 in one test, as people live it: identity and organization run as separate
 * processes over a real Kafka broker, and every mail goes over SMTP to a real `smtp-server` started here; every
 * link is taken from a received message. The operator provisions an organization for a new admin address, the
 * admin signs up from the mailed link, invites a Developer who joins from his; the Developer resets his password
 * by mail; the admin enrols a second factor and requires it of the organization, which refuses the Developer
 * with a clear code; finally the Developer deletes his account, and organization forgets him.
 */
describe('people story: provisioning to account deletion, mail over SMTP (separate processes, Kafka)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-story-e2e-'));
  const smtp = new TestSmtpServer();
  const common = {
    REGION: 'us',
    OPERATOR_TOKEN,
    BUS: 'kafka',
    KAFKA_BROKERS,
    KAFKA_TOPIC_PARTITIONS: '3',
    // topics and consumer groups of this run only
    KAFKA_NAMESPACE,
    EVENT_STORE: 'sqlite',
    LOG_LEVEL: 'info',
    JWKS_URL: `http://127.0.0.1:${PORT_BASE}/.well-known/jwks.json`,
  };
  let identity: ServiceProcess;
  let organization: ServiceProcess;
  let I = '';
  let O = '';

  beforeAll(async () => {
    const broker = `http://${KAFKA_BROKERS.split(',')[0]}`;
    const reachable = await fetch(broker).then(
      () => true,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code !== 'ECONNREFUSED',
    );
    if (!reachable) throw new Error(`Kafka is not reachable at ${broker}: start it with scripts/infra/kafka-start.sh`);
    const smtpUrl = await smtp.start(SMTP_PORT);
    identity = new ServiceProcess('identity', PORT_BASE, {
      ...common,
      DATA_DIR: join(root, 'identity'),
      SMTP_URL: smtpUrl,
      PUBLIC_URL,
      MAIL_RETRY_BASE_MS: '50',
      MFA_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    organization = new ServiceProcess('organization', PORT_BASE + 1, {
      ...common,
      DATA_DIR: join(root, 'organization'),
      SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    I = identity.url;
    O = organization.url;
    [identity, organization].forEach((s) => s.start());
    await Promise.all([identity.ready(), organization.ready()]);
  });

  afterAll(async () => {
    await Promise.all([identity, organization].filter(Boolean).map((s) => s.kill('SIGKILL')));
    await smtp.stop();
  });

  /** the newest mail to `to` whose subject matches, once the SMTP server received it */
  const mailTo = (to: string, subject: RegExp, after = 0): Promise<ReceivedMail> =>
    eventually(async () => {
      const mails = smtp.mailsTo(to).filter((m) => subject.test(m.subject));
      expect(mails.length).toBeGreaterThan(after);
      return mails[mails.length - 1];
    }, 60_000);
  const signIn = (email: string, password = PASSWORD) => call(I, 'POST', '/v1/sessions', { body: { email, password } });
  const select = (token: string, organizationId: string) => call(I, 'POST', '/v1/sessions/organization', { token, body: { organizationId } });

  it('runs the whole story', async () => {
    // 1. the operator provisions an organization for an address that has no account: the admin is invited by mail
    const provisioned = await call(O, 'POST', '/v1/organizations', {
      token: OPERATOR_TOKEN,
      body: { name: 'StoryCo', region: 'us', admin: { email: 'ceo@story.example' } },
    });
    expect(provisioned.status).toBe(201);
    expect(provisioned.body.admin.status).toBe('invited');
    const org = provisioned.body.id as string;
    const adminMail = await mailTo('ceo@story.example', /Invitation to StoryCo/);
    expect(adminMail.link.startsWith(PUBLIC_URL)).toBe(true);
    expect(adminMail.link).toContain(provisioned.body.admin.invitationId);

    // 2. the admin signs up from the link (possession of the token verifies the address) and accepts
    const adminSignUp = await call(I, 'POST', '/v1/users', {
      body: { email: 'ceo@story.example', password: PASSWORD, displayName: 'Cleo Story', invitationToken: adminMail.token },
    });
    expect(adminSignUp.status).toBe(201);
    expect(adminSignUp.body.emailVerified).toBe(true);
    const adminPlain = (await signIn('ceo@story.example')).body.accessToken as string;
    const accepted = await eventually(async () => {
      const res = await call(O, 'POST', `/v1/invitations/${provisioned.body.admin.invitationId}/accept`, { token: adminPlain });
      expect(res.status).toBe(200);
      return res;
    }, 60_000);
    expect(accepted.body.role).toBe('Admin');
    const admin = await eventually(async () => {
      const res = await select(adminPlain, org);
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    }, 60_000);

    // 3. the admin invites a Developer, who gets the mail, signs up from its link and joins
    const invite = await call(O, 'POST', `/v1/organizations/${org}/invitations`, { token: admin, body: { email: 'dev@story.example', role: 'Developer' } });
    expect(invite.status).toBe(201);
    const devMail = await mailTo('dev@story.example', /Invitation to StoryCo/);
    expect(devMail.link).toContain(invite.body.id);
    const devSignUp = await call(I, 'POST', '/v1/users', {
      body: { email: 'dev@story.example', password: PASSWORD, displayName: 'Devon Story', invitationToken: devMail.token },
    });
    expect(devSignUp.status).toBe(201);
    const devId = devSignUp.body.id as string;
    const devFirst = (await signIn('dev@story.example')).body.accessToken as string;
    await eventually(async () => expect((await call(O, 'POST', `/v1/invitations/${invite.body.id}/accept`, { token: devFirst })).status).toBe(200), 60_000);
    await eventually(async () => expect((await select(devFirst, org)).status).toBe(200), 60_000);

    // 4. the Developer forgot his password: the reset link comes by mail, works once, and ends every session
    const devSession = (await signIn('dev@story.example')).body as { refreshToken: string };
    expect((await call(I, 'POST', '/v1/password-resets', { body: { email: 'dev@story.example' } })).status).toBe(202);
    const resetMail = await mailTo('dev@story.example', /Reset your password/);
    expect(resetMail.link.startsWith(PUBLIC_URL)).toBe(true);
    expect((await call(I, 'POST', '/v1/password-resets/confirm', { body: { token: resetMail.token, password: NEW_PASSWORD } })).status).toBe(200);
    expect((await call(I, 'POST', '/v1/password-resets/confirm', { body: { token: resetMail.token, password: NEW_PASSWORD + '!' } })).status).toBe(400);
    expect((await call(I, 'POST', '/v1/sessions/refresh', { body: { refreshToken: devSession.refreshToken } })).status).toBe(401);
    expect((await signIn('dev@story.example')).status).toBe(401);
    const dev = (await signIn('dev@story.example', NEW_PASSWORD)).body.accessToken as string;

    // 5. the admin enrols a second factor (otplib computes the codes) and signs in with it
    const started = await call(I, 'POST', '/v1/me/mfa/totp', { token: adminPlain });
    expect(started.status).toBe(200);
    expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const secret = started.body.secret as string;
    const confirmed = await call(I, 'POST', '/v1/me/mfa/totp/confirm', { token: adminPlain, body: { code: codeAt(secret) } });
    expect(confirmed.status).toBe(200);
    const recoveryCodes = confirmed.body.recoveryCodes as string[];
    const step = await signIn('ceo@story.example');
    expect(step.body.status).toBe('mfa-required');
    const withCode = await call(I, 'POST', '/v1/sessions/mfa', { body: { mfaToken: step.body.mfaToken, code: codeAt(secret, 1) } });
    expect(withCode.status).toBe(200);
    const adminMfa = await eventually(async () => {
      const res = await select(withCode.body.accessToken, org);
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    });

    // 6. the organization requires MFA: the Developer without it gets no token for it, and the code says why
    expect((await call(O, 'PUT', `/v1/organizations/${org}/mfa-requirement`, { token: adminMfa, body: { required: true } })).status).toBe(200);
    const refused = await eventually(async () => {
      const res = await select(dev, org);
      expect(res.status).toBe(403);
      return res;
    }, 60_000);
    expect(refused.body.code).toBe('mfa-enrolment-required');

    // 7. the admin, the only Admin, cannot delete her account (password and a second factor given); the Developer deletes his
    const lastAdmin = await call(I, 'DELETE', '/v1/me', { token: adminPlain, body: { password: PASSWORD, recoveryCode: recoveryCodes[0] } });
    expect(lastAdmin.status).toBe(409);
    expect(lastAdmin.body.code).toBe('last-admin');
    expect(lastAdmin.body.organizations).toEqual([{ id: org, name: 'StoryCo' }]);
    const deleted = await call(I, 'DELETE', '/v1/me', { token: dev, body: { password: NEW_PASSWORD } });
    expect(deleted.status).toBe(204);
    expect((await signIn('dev@story.example', NEW_PASSWORD)).status).toBe(401);

    // organization learns it over Kafka: the member is gone and the audit shows "deleted user", not the address
    await eventually(async () => {
      const members = await call(O, 'GET', `/v1/organizations/${org}/members`, { token: adminMfa });
      expect(members.status).toBe(200);
      expect(members.body.items.map((m: { userId: string }) => m.userId)).toEqual([adminSignUp.body.id]);
    }, 60_000);
    const audit = await call(O, 'GET', `/v1/organizations/${org}/audit?limit=100`, { token: adminMfa });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).not.toContain('dev@story.example');
    const removed = audit.body.items.find((i: { action: string; subject: string }) => i.action === 'member.removed' && i.subject === `user:${devId}`);
    expect(removed.details).toMatchObject({ email: 'deleted user', by: 'account-deleted' });

    // the address is free for a new account
    const again = await call(I, 'POST', '/v1/users', { body: { email: 'dev@story.example', password: PASSWORD, displayName: 'New Dev' } });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(devId);
  });
});
