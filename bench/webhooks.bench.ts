/**
 * Benchmark: webhook fan-out. BENCH_RATE events/s (default 1,000) happen in one organization whose
 * BENCH_ENDPOINTS (default 10) local endpoints each subscribe to them, so every event becomes one delivery per
 * endpoint. Delivery latency next to the broker's own produce-to-consume latency measured in the same run.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx ts-node -r tsconfig-paths/register --transpile-only bench/webhooks.bench.ts
 *
 * 1. Broker baseline (as bench/propagation.bench.ts): a plain kafkajs producer (acks=all, one send() per
 *    message, not awaited one by one) and consumer on a fresh topic, messages the size of a delivery's payload,
 *    BENCH_RATE/s for BENCH_SECONDS after BENCH_WARMUP_SECONDS not counted. Latency = eachMessage − before send().
 * 2. Product path: the standalone product in this process (SQLite, in-process bus), WEBHOOK_ALLOW_PRIVATE=true,
 *    BENCH_ENDPOINTS plain node:http receivers on 127.0.0.1 (ports from BENCH_PORT, default 30430) that verify
 *    nothing and answer 204. Events: operator suspend / reactivate of the organization over HTTP (Fastify inject),
 *    BENCH_RATE/s in ticks of 10 ms. Latency = the receiver got the request − the event's `timestamp` (the
 *    command's time, millisecond resolution, same clock). Every delivery is counted, including what arrives after
 *    the load stops (the run waits until every owed delivery arrived or BENCH_DRAIN_SECONDS passed).
 * Prints p50/p95/p99/max of both, achieved rates, and the 1-minute load average before and after (the machine is
 * shared). Never asserts timings.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { OPERATOR_TOKEN, startApp } from '../test/support/harness';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const RATE = env('BENCH_RATE', 1000);
const SECONDS = env('BENCH_SECONDS', 10);
const WARMUP = env('BENCH_WARMUP_SECONDS', 3);
const ENDPOINTS = env('BENCH_ENDPOINTS', 10);
const PORT = env('BENCH_PORT', 30430);
const DRAIN = env('BENCH_DRAIN_SECONDS', 120);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}
const fmt = (p: ReturnType<typeof percentiles>) => `n=${p.n} p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, max ${p.max.toFixed(1)} ms`;

/** calls `fire(i)` RATE times a second for `seconds`, in 10 ms ticks */
async function paced(seconds: number, fire: (i: number) => void) {
  const total = Math.round(RATE * seconds);
  const start = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE) + 1);
    while (sent < due) fire(sent++);
    await new Promise((r) => setTimeout(r, 10));
  }
  return (Date.now() - start) / 1000;
}

async function brokerBaseline(payloadBytes: number) {
  const kafka = new Kafka({ clientId: 'bench-webhooks', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const topic = `bench.webhooks.floor.${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `bench-webhooks-${randomBytes(4).toString('hex')}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  const sentAt = new Map<string, { at: number; counted: boolean }>();
  const latencies: number[] = [];
  let measuring = false;
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = message.key!.toString();
      const sent = sentAt.get(id);
      if (sent?.counted) latencies.push(performance.now() - sent.at);
      sentAt.delete(id);
    },
  });
  const value = 'x'.repeat(payloadBytes);
  const fire = () => {
    const id = randomUUID();
    sentAt.set(id, { at: performance.now(), counted: measuring });
    void producer.send({ topic, messages: [{ key: id, value, headers: { 'ce_type': 'bench' } }] });
  };
  await paced(WARMUP, fire);
  measuring = true;
  const took = await paced(SECONDS, fire);
  const deadline = Date.now() + 30_000;
  while (latencies.length < RATE * SECONDS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return { latencies, rate: (RATE * SECONDS) / took };
}

async function main() {
  console.log(`webhooks bench: ${RATE} events/s × ${ENDPOINTS} endpoints for ${SECONDS} s; ${cpus().length} cores; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (shared machine)`);
  // receivers
  const latencies: number[] = [];
  let deliveries = 0;
  let measuring = false;
  const servers: Server[] = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const arrived = Date.now();
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
        deliveries++;
        if (measuring) latencies.push(arrived - Date.parse(payload.timestamp));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(PORT + i, '127.0.0.1', r));
    servers.push(server);
  }
  const app = await startApp({ WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'silent' });
  const op = { token: OPERATOR_TOKEN };
  const provisioned = await app.request('POST', '/v1/organizations', { ...op, body: { name: 'Bench', region: 'us', admin: { email: 'bench@example.com' } } });
  const org = (provisioned.body as { id: string }).id;
  for (let i = 0; i < ENDPOINTS; i++) {
    const res = await app.request('POST', `/v1/organizations/${org}/webhooks`, {
      ...op,
      body: { url: `http://127.0.0.1:${PORT + i}/hook`, eventTypes: ['OrganizationSuspended', 'OrganizationReactivated'] },
    });
    if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  // the commands on one organization are decided one at a time: keep them in a chain, as its lock does
  let events = 0;
  let suspended = false;
  let chain: Promise<unknown> = Promise.resolve();
  const fire = () => {
    chain = chain.then(async () => {
      const res = suspended
        ? await app.request('POST', `/v1/organizations/${org}/reactivate`, op)
        : await app.request('POST', `/v1/organizations/${org}/suspend`, { ...op, body: { reason: 'bench' } });
      if (res.status === 200) {
        suspended = !suspended;
        events++;
      }
    });
  };
  await paced(WARMUP, fire);
  await chain;
  const warmEvents = events;
  const warmDeadline = Date.now() + DRAIN * 1000;
  while (deliveries < warmEvents * ENDPOINTS && Date.now() < warmDeadline) await new Promise((r) => setTimeout(r, 50));
  console.log(`warm-up: ${warmEvents} events, ${deliveries} deliveries`);
  measuring = true;
  const took = await paced(SECONDS, fire);
  await chain;
  const accepted = (events - warmEvents) / took;
  const deadline = Date.now() + DRAIN * 1000;
  while (deliveries < events * ENDPOINTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const product = percentiles(latencies);
  const payloadBytes = 200;
  await app.close();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  const broker = await brokerBaseline(payloadBytes);
  const brokerP = percentiles(broker.latencies);
  console.log(`events accepted: ${accepted.toFixed(0)}/s (asked ${RATE}/s); deliveries: ${deliveries} of ${events * ENDPOINTS} owed`);
  console.log(`webhook delivery (event time → receiver): ${fmt(product)}`);
  console.log(`broker produce → consume (${brokerP.n} messages at ${broker.rate.toFixed(0)}/s): ${fmt(brokerP)}`);
  console.log(`p99 ratio webhook / broker: ${(product.p99 / brokerP.p99).toFixed(1)}x; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
