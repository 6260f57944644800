import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { call, eventually, ROOT, ServiceProcess, verifyEmailFromOutbox } from './processes';

const KAFKA_NAMESPACE = `e2e-${randomBytes(4).toString('hex')}`;

jest.setTimeout(300_000);

const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const OPERATOR_TOKEN = `op-e2e-${randomBytes(16).toString('hex')}`;
const PASSWORD = 'correct horse battery staple';
const IDENTITY_PORT = Number(process.env.EVENTS_E2E_IDENTITY_PORT ?? 3211);
const ORGANIZATION_PORT = Number(process.env.EVENTS_E2E_ORGANIZATION_PORT ?? 3212);

/** the example consumer under examples/, as another team would run it, with its JSON lines kept */
class ExampleConsumer {
  private child: ChildProcess | null = null;
  lines: { topic: string; id: string; type: string; source: string; subject: string; time: string; data: any }[] = [];
  output = '';

  start(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'examples/cloudevents-consumer/consumer.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, TS_NODE_PROJECT: 'tsconfig.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    this.child.stdout?.on('data', (chunk) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) this.lines.push(JSON.parse(line));
    });
    this.child.stderr?.on('data', (d) => (this.output += d));
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Integration events as other teams see them: identity and organization as separate processes on a real
 * Kafka broker, and the example consumer (kafkajs + the cloudevents SDK only) reading their topics through
 * the CloudEvents headers.
 */
describe('integration events for internal services (real Kafka)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-events-e2e-'));
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
    JWKS_URL: `http://127.0.0.1:${IDENTITY_PORT}/.well-known/jwks.json`,
  };
  const identity = new ServiceProcess('identity', IDENTITY_PORT, { ...common, DATA_DIR: join(root, 'identity') });
  const organization = new ServiceProcess('organization', ORGANIZATION_PORT, {
    ...common,
    DATA_DIR: join(root, 'organization'),
    SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
  });
  const consumer = new ExampleConsumer();
  const op = { token: OPERATOR_TOKEN };
  const email = `ada-${randomBytes(4).toString('hex')}@example.com`;
  let organizationId = '';
  let userId = '';

  beforeAll(async () => {
    identity.start();
    organization.start();
    await Promise.all([identity.ready(), organization.ready()]);
    const user = await call(identity.url, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: 'Ada' } });
    expect(user.status).toBe(201);
    userId = user.body.id;
    await verifyEmailFromOutbox(identity.url, join(root, 'identity'), email);
    const org = await eventually(async () => {
      const res = await call(organization.url, 'POST', '/v1/organizations', { ...op, body: { name: 'Acme', region: 'us', admin: { email } } });
      expect(res.status).toBe(201);
      return res.body;
    });
    organizationId = org.id;
  });

  afterAll(async () => {
    await consumer.stop();
    await Promise.all([identity.kill('SIGKILL'), organization.kill('SIGKILL')]);
  });

  it('the example consumer reads both topics through the CloudEvents headers', async () => {
    consumer.start({ KAFKA_BROKERS, TOPICS: `${KAFKA_NAMESPACE}.identity.events.v1,${KAFKA_NAMESPACE}.organization.events.v1`, GROUP_ID: `example-${randomBytes(4).toString('hex')}` });
    const seen = await eventually(async () => {
      const mine = consumer.lines.filter((l) => l.subject === organizationId || l.subject === userId);
      expect(mine.map((l) => l.type)).toEqual(
        expect.arrayContaining(['io.controlplane.UserRegistered', 'io.controlplane.OrganizationProvisioned']),
      );
      return mine;
    }, 60_000).catch((error) => {
      throw new Error(`${error}\nconsumer stderr:\n${consumer.output.slice(-3000)}`);
    });
    const provisioned = seen.find((l) => l.type === 'io.controlplane.OrganizationProvisioned')!;
    expect(provisioned).toMatchObject({
      topic: `${KAFKA_NAMESPACE}.organization.events.v1`,
      source: '/services/organization',
      subject: organizationId,
      data: { organizationId, name: 'Acme', region: 'us' },
    });
    expect(new Date(provisioned.time).toISOString()).toBe(provisioned.time);
    expect(seen.find((l) => l.type === 'io.controlplane.UserRegistered')).toMatchObject({
      topic: `${KAFKA_NAMESPACE}.identity.events.v1`,
      source: '/services/identity',
      data: { userId, email, displayName: 'Ada' },
    });
    // one line per event id: the consumer drops repeats by ce_id
    expect(new Set(seen.map((l) => l.id)).size).toBe(seen.length);
  });

  it('an internal producer\'s audit event (kafkajs, CloudEvents binary mode) shows in the organization\'s audit once; a malformed one lands in the dead-letter topic with the reason', async () => {
    const kafka = new Kafka({ clientId: 'e2e-app-studio', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const dlqReader = kafka.consumer({ groupId: `e2e-dlq-${randomBytes(4).toString('hex')}` });
    await producer.connect();
    await dlqReader.connect();
    try {
      const eventId = `studio-${randomBytes(6).toString('hex')}`;
      const record = (id: string, value: string) => ({
        key: organizationId,
        value,
        headers: {
          ce_id: id,
          ce_source: '/services/app-studio',
          ce_type: 'io.controlplane.AuditEvent',
          ce_specversion: '1.0',
          ce_time: '2026-11-30T12:00:00.000Z',
          ce_subject: 'app:app-e2e',
          'content-type': 'application/json',
        },
      });
      const valid = JSON.stringify({ organizationId, actor: userId, action: 'app.deployed', subject: 'app:app-e2e', details: { environment: 'production' }, time: '2026-11-30T12:00:00.000Z' });
      // the topic is created by the organization service at boot; the same event sent twice (a producer retry)
      await producer.send({ topic: `${KAFKA_NAMESPACE}.audit.ingest.v1`, messages: [record(eventId, valid)] });
      await producer.send({ topic: `${KAFKA_NAMESPACE}.audit.ingest.v1`, messages: [record(eventId, valid)] });
      const malformedId = `studio-bad-${randomBytes(6).toString('hex')}`;
      await producer.send({ topic: `${KAFKA_NAMESPACE}.audit.ingest.v1`, messages: [record(malformedId, JSON.stringify({ organizationId, action: 'Deployed' }))] });

      const deadLetters: { ceId?: string; reason?: string }[] = [];
      await dlqReader.subscribe({ topics: [`${KAFKA_NAMESPACE}.audit.ingest.v1.dlq`], fromBeginning: true });
      await dlqReader.run({
        eachMessage: async ({ message }) => {
          deadLetters.push({ ceId: message.headers?.ce_id?.toString(), reason: message.headers?.['dead-letter-reason']?.toString() });
        },
      });

      const entries = await eventually(async () => {
        const res = await call(organization.url, 'GET', `/v1/organizations/${organizationId}/audit?action=app.deployed`, op);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeGreaterThan(0);
        return res.body.items;
      }, 60_000).catch((error) => {
        throw new Error(`${error}\norganization output:\n${organization.output.slice(-4000)}`);
      });
      const dead = await eventually(async () => {
        const found = deadLetters.find((d) => d.ceId === malformedId);
        expect(found).toBeDefined();
        return found!;
      }, 60_000);
      expect(dead.reason).toMatch(/^invalid AuditEvent: /);
      expect(dead.reason).toContain('actor: Required');
      // the duplicate was consumed before the malformed record (same key, same partition): recorded once
      const again = await call(organization.url, 'GET', `/v1/organizations/${organizationId}/audit?action=app.deployed`, op);
      expect(again.body.items).toEqual(entries);
      expect(entries).toEqual([
        { at: '2026-11-30T12:00:00.000Z', actor: userId, action: 'app.deployed', subject: 'app:app-e2e', details: { environment: 'production' }, source: '/services/app-studio', eventId },
      ]);
    } finally {
      await dlqReader.disconnect();
      await producer.disconnect();
    }
  });
});
