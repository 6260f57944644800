import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { call, eventually, ServiceProcess } from './processes';

const KAFKA_NAMESPACE = `e2e-${randomBytes(4).toString('hex')}`;

jest.setTimeout(300_000);

const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
/** the organization service's port, and the webhook receiver's on the next one */
const PORT = Number(process.env.WEBHOOKS_E2E_PORT ?? 30410);
const OPERATOR_TOKEN = `op-e2e-${randomBytes(16).toString('hex')}`;

/**
 * Webhooks out across a crash: the organization service runs as its own process on the real Kafka broker and
 * delivers to a receiver started here, which verifies every signature with the standardwebhooks library.
 * The sender is SIGKILLed in the middle of a stream of changes and restarted on the same data; every event the
 * service published to Kafka must reach the receiver at least once (repeats carry the same webhook-id).
 */
describe('webhooks out across a SIGKILL of the sender', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-webhooks-e2e-'));
  const organization = new ServiceProcess('organization', PORT, {
    REGION: 'us',
    OPERATOR_TOKEN,
    BUS: 'kafka',
    KAFKA_BROKERS,
    KAFKA_TOPIC_PARTITIONS: '3',
    // topics and consumer groups of this run only: nothing left on the shared broker by another suite is read
    KAFKA_NAMESPACE,
    EVENT_STORE: 'sqlite',
    LOG_LEVEL: 'warn',
    DATA_DIR: join(root, 'organization'),
    SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
    // only operator tokens are used here: no identity service (nothing answers on this port)
    JWKS_URL: `http://127.0.0.1:${PORT + 2}/.well-known/jwks.json`,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.2,0.5,1,2',
  });
  const op = { token: OPERATOR_TOKEN };
  let receiver: Server;
  let verifier: Webhook | null = null;
  const received: { webhookId: string; eventId: string; type: string }[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const payload = verifier!.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as { eventId: string; type: string };
          received.push({ webhookId: String(req.headers['webhook-id']), eventId: payload.eventId, type: payload.type });
          res.writeHead(204).end();
        } catch (error) {
          refused.push((error as Error).message);
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(PORT + 1, '127.0.0.1', r));
    organization.start();
    await organization.ready();
  });

  afterAll(async () => {
    await organization.kill('SIGKILL');
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it('every event published to Kafka reaches the receiver at least once, signatures verified', async () => {
    const O = organization.url;
    const provisioned = await call(O, 'POST', '/v1/organizations', { ...op, body: { name: 'Hooked', region: 'us', admin: { email: 'ada@example.com' } } });
    expect(provisioned.status).toBe(201);
    const org = provisioned.body.id as string;
    const endpoint = await call(O, 'POST', `/v1/organizations/${org}/webhooks`, {
      ...op,
      body: { url: `http://127.0.0.1:${PORT + 1}/hooks`, eventTypes: ['OrganizationSuspended', 'OrganizationReactivated'] },
    });
    expect(endpoint.status).toBe(201);
    verifier = new Webhook(endpoint.body.secret);

    const toggle = async (i: number) => {
      const res =
        i % 2 === 0
          ? await call(O, 'POST', `/v1/organizations/${org}/suspend`, { ...op, body: { reason: `step ${i}` } })
          : await call(O, 'POST', `/v1/organizations/${org}/reactivate`, op);
      expect(res.status).toBe(200);
    };
    for (let i = 0; i < 30; i++) await toggle(i);
    // killed mid-stream: deliveries are still going out (and some may be sent but not yet recorded)
    await organization.kill('SIGKILL');
    const beforeRestart = received.length;
    organization.start();
    await organization.ready();
    for (let i = 30; i < 60; i++) await toggle(i);

    // what the service published to the real broker for this organization: the set to compare with
    const kafka = new Kafka({ clientId: 'webhooks-e2e', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `webhooks-e2e-${randomBytes(4).toString('hex')}` });
    const published = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: `${KAFKA_NAMESPACE}.organization.events.v1`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const envelope = JSON.parse(message.value!.toString('utf8')) as { id: string; type: string; subject: string };
        if (envelope.subject === org && (envelope.type === 'OrganizationSuspended' || envelope.type === 'OrganizationReactivated')) published.add(envelope.id);
      },
    });
    try {
      await eventually(async () => expect(published.size).toBe(60), 60_000);
      await eventually(async () => {
        const delivered = new Set(received.map((r) => r.eventId));
        const missing = [...published].filter((id) => !delivered.has(id));
        expect(missing).toEqual([]);
      }, 60_000);
    } finally {
      await consumer.disconnect();
    }
    expect(refused).toEqual([]);
    // a repeat is the same message: same webhook-id for the same event
    for (const r of received) expect(r.webhookId).toBe(`msg_${r.eventId}`);
    expect(new Set(received.map((r) => r.eventId)).size).toBe(60);
    expect(beforeRestart).toBeGreaterThan(0);
    // per organization in order while the endpoint answers: first deliveries arrive in log order
    const firstSeen = [...new Map(received.map((r) => [r.eventId, r.type])).values()];
    expect(firstSeen.every((type, i) => type === (i % 2 === 0 ? 'OrganizationSuspended' : 'OrganizationReactivated'))).toBe(true);
  });
});
