import { authenticator } from 'otplib';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, eventually, ServiceProcess, verifyEmailFromOutbox } from './processes';

const KAFKA_NAMESPACE = `e2e-${randomBytes(4).toString('hex')}`;

jest.setTimeout(300_000);

const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
/** two ports from here (identity, organization) */
const PORT_BASE = Number(process.env.PEOPLE_MFA_E2E_PORT ?? 30210);
const OPERATOR_TOKEN = `op-e2e-${randomBytes(16).toString('hex')}`;
const PASSWORD = 'correct horse battery staple';

/** a code of the time step `steps` after the current one (identity accepts one step of drift) */
const codeAt = (secret: string, steps = 0) => authenticator.clone({ epoch: Date.now() + steps * 30_000 }).generate(secret);

/**
 * MFA as people meet it, with identity and organization as separate processes over a real Kafka broker:
 * enrolment, sign-in with the code, and an organization that requires MFA (the requirement reaches identity
 * through organization.events.v1).
 */
describe('people: MFA enrolment and an organization that requires it (separate processes, Kafka)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-mfa-e2e-'));
  const common = {
    REGION: 'us',
    OPERATOR_TOKEN,
    BUS: 'kafka',
    KAFKA_BROKERS,
    KAFKA_TOPIC_PARTITIONS: '3',
    // topics and consumer groups of this run only: nothing left on the shared broker by another suite is read
    KAFKA_NAMESPACE,
    EVENT_STORE: 'sqlite',
    LOG_LEVEL: 'info',
    JWKS_URL: `http://127.0.0.1:${PORT_BASE}/.well-known/jwks.json`,
  };
  const identity = new ServiceProcess('identity', PORT_BASE, { ...common, DATA_DIR: join(root, 'identity'), MFA_MASTER_KEY: randomBytes(32).toString('base64') });
  const organization = new ServiceProcess('organization', PORT_BASE + 1, {
    ...common,
    DATA_DIR: join(root, 'organization'),
    SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
  });
  const services = [identity, organization];
  const I = identity.url;
  const O = organization.url;

  beforeAll(async () => {
    const broker = `http://${KAFKA_BROKERS.split(',')[0]}`;
    const reachable = await fetch(broker).then(
      () => true,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code !== 'ECONNREFUSED',
    );
    if (!reachable) throw new Error(`Kafka is not reachable at ${broker}: start it with scripts/infra/kafka-start.sh`);
    services.forEach((s) => s.start());
    await Promise.all(services.map((s) => s.ready()));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
  });

  const signUp = async (email: string) => {
    expect((await call(I, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: email.split('@')[0] } })).status).toBe(201);
    await verifyEmailFromOutbox(I, join(root, 'identity'), email);
  };
  const signIn = (email: string) => call(I, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  const select = (token: string, organizationId: string) => call(I, 'POST', '/v1/sessions/organization', { token, body: { organizationId } });
  async function enrol(token: string) {
    const started = await call(I, 'POST', '/v1/me/mfa/totp', { token });
    expect(started.status).toBe(200);
    expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const confirmed = await call(I, 'POST', '/v1/me/mfa/totp/confirm', { token, body: { code: codeAt(started.body.secret) } });
    expect(confirmed.status).toBe(200);
    return started.body.secret as string;
  }
  async function signInWithCode(email: string, secret: string) {
    const step = await signIn(email);
    expect(step.status).toBe(200);
    expect(step.body.status).toBe('mfa-required');
    expect(step.body.accessToken).toBeUndefined();
    const done = await call(I, 'POST', '/v1/sessions/mfa', { body: { mfaToken: step.body.mfaToken, code: codeAt(secret, 1) } });
    expect(done.status).toBe(200);
    return done.body.accessToken as string;
  }

  it('enrols, signs in with the code, and an organization that requires MFA refuses a member until they enrol', async () => {
    await signUp('ada@mfa-e2e.example');
    await signUp('dev@mfa-e2e.example');
    const org = await eventually(async () => {
      const res = await call(O, 'POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name: 'Vault', region: 'us', admin: { email: 'ada@mfa-e2e.example' } } });
      expect(res.status).toBe(201);
      expect(res.body.admin.status).toBe('member'); // organization learned over Kafka that ada confirmed her address
      return res.body.id as string;
    });

    // ada enrols and signs in with the code; her organization token says mfa
    const adaSecret = await enrol((await signIn('ada@mfa-e2e.example')).body.accessToken);
    const ada = await eventually(async () => {
      const res = await select(await signInWithCode('ada@mfa-e2e.example', adaSecret), org);
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    }, 60_000);

    // dev joins as a Developer with a password-only session
    const invite = await call(O, 'POST', `/v1/organizations/${org}/invitations`, { token: ada, body: { email: 'dev@mfa-e2e.example', role: 'Developer' } });
    expect(invite.status).toBe(201);
    const devPlain = (await signIn('dev@mfa-e2e.example')).body.accessToken as string;
    expect((await call(O, 'POST', `/v1/invitations/${invite.body.id}/accept`, { token: devPlain })).status).toBe(200);
    await eventually(async () => expect((await select(devPlain, org)).status).toBe(200));

    // ada requires MFA; identity learns it over Kafka and refuses dev a scoped token, telling him to enrol
    const on = await call(O, 'PUT', `/v1/organizations/${org}/mfa-requirement`, { token: ada, body: { required: true } });
    expect(on.status).toBe(200);
    const refused = await eventually(async () => {
      const res = await select(devPlain, org);
      expect(res.status).toBe(403);
      return res;
    });
    expect(refused.body.code).toBe('mfa-enrolment-required');

    // after enrolment and a sign-in with the code, dev works in the organization again
    const devSecret = await enrol(devPlain);
    const dev = await select(await signInWithCode('dev@mfa-e2e.example', devSecret), org);
    expect(dev.status).toBe(200);
    const members = await call(O, 'GET', `/v1/organizations/${org}/members`, { token: dev.body.accessToken });
    expect(members.status).toBe(200);
    expect(members.body.items.map((m: { email: string }) => m.email).sort()).toEqual(['ada@mfa-e2e.example', 'dev@mfa-e2e.example']);
  });
});
