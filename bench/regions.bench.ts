/**
 * Benchmark: how long a role change in one region takes to show in the person's organization list at their
 * home region, against the broker's own produce-to-consume latency measured in the same run.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/regions.bench.ts
 *
 * Needs one Kafka broker per region (scripts/infra/kafka-start.sh with KAFKA_INSTANCE=us / eu and their
 * ports; REGIONS_BENCH_US_KAFKA / REGIONS_BENCH_EU_KAFKA, defaults 127.0.0.1:19692 / 127.0.0.1:19792).
 *
 * 1. Two region stacks (test/e2e/region-stack.ts): identity, organization and app-packaging of us and of eu
 *    as separate processes (ts-node), each region over its own broker and SQLite stores, peered over HTTP.
 * 2. Seed: an eu organization with its Admin (an eu account); a us account that joins it as Developer.
 * 3. BENCH_CHANGES role changes (Developer ↔ Agent), one at a time: t0 = just before the Admin's
 *    PUT /v1/organizations/{id}/members/{user} at eu; visible = the first GET /v1/me at us (the person's home,
 *    polled every BENCH_POLL_MS) listing the new role. The path: eu organization → eu Kafka → eu identity
 *    (consumer, its own log) → membership-index relay → HTTP PUT to us identity → us identity's log.
 * 4. Broker baseline on the eu broker, same run: a kafkajs producer and consumer on a fresh topic, one message
 *    of the size of a MemberRoleChanged envelope at a time, latency = eachMessage − just before send().
 *
 * Prints p50/p95/p99/max of both and the ratio. Never asserts. What it leaves out: the gateway; several
 * members changing at once (one change at a time); a peer that is down (the relay's backoff).
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, eventually, verifyEmailFromOutbox } from '../test/e2e/processes';
import { RegionStack } from '../test/e2e/region-stack';

const US_KAFKA = process.env.REGIONS_BENCH_US_KAFKA ?? '127.0.0.1:19692';
const EU_KAFKA = process.env.REGIONS_BENCH_EU_KAFKA ?? '127.0.0.1:19792';
const PORT_BASE = Number(process.env.REGIONS_BENCH_PORT ?? 30650);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10);
const PASSWORD = 'correct horse battery staple';
const secret = () => randomBytes(24).toString('hex');

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}
const fmt = (v: number) => v.toFixed(1);

async function brokerBaseline(broker: string, count: number, size: number) {
  const kafka = new Kafka({ brokers: [broker], clientId: 'bench-baseline', logLevel: logLevel.NOTHING });
  const topic = `bench-regions-${secret().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let waiting: (() => void) | null = null;
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = message.key!.toString();
      const t0 = sentAt.get(id);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
      waiting?.();
    },
  });
  const value = randomBytes(size / 2).toString('hex');
  // warm-up (not counted): the consumer joins its group and the broker's JIT warms
  for (let i = 0; i < count + 20; i++) {
    const id = `m${i}`;
    const seen = new Promise<void>((r) => (waiting = r));
    if (i >= 20) sentAt.set(id, performance.now());
    await producer.send({ topic, messages: [{ key: id, value }] });
    await seen;
  }
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return percentiles(latencies);
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'ocp-regions-bench-'));
  const operator = `op-${secret()}`;
  const usToken = `peer-us-${secret()}`;
  const euToken = `peer-eu-${secret()}`;
  const us = new RegionStack('us', join(root, 'us'), PORT_BASE, US_KAFKA, { region: 'eu', identityPort: PORT_BASE + 10, token: euToken }, usToken, operator);
  const eu = new RegionStack('eu', join(root, 'eu'), PORT_BASE + 10, EU_KAFKA, { region: 'us', identityPort: PORT_BASE, token: usToken }, euToken, operator);
  try {
    await us.start();
    await eu.start();
    const signUp = async (stack: RegionStack, email: string) => {
      const res = await call(stack.identity.url, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: 'bench' } });
      if (res.status !== 201) throw new Error(`sign-up ${res.status}`);
      await verifyEmailFromOutbox(stack.identity.url, join(stack.dataDir, 'identity'), email);
      return res.body.id as string;
    };
    const signIn = async (stack: RegionStack, email: string) => (await call(stack.identity.url, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } })).body;
    const org = await call(eu.organization.url, 'POST', '/v1/organizations', { token: operator, body: { name: 'Bench EU', region: 'eu', admin: { email: 'admin@example.com' } } });
    await signUp(eu, 'admin@example.com');
    const adminSession = await signIn(eu, 'admin@example.com');
    await eventually(async () => {
      const res = await call(eu.organization.url, 'POST', `/v1/invitations/${org.body.admin.invitationId}/accept`, { token: adminSession.accessToken });
      if (res.status !== 200) throw new Error(`accept ${res.status}`);
    });
    const admin = await eventually(async () => {
      const res = await call(eu.identity.url, 'POST', '/v1/sessions/organization', { token: adminSession.accessToken, body: { organizationId: org.body.id } });
      if (res.status !== 200) throw new Error(`pick ${res.status}`);
      return res.body.accessToken as string;
    });
    const userId = await signUp(us, 'person@example.com');
    const invite = await call(eu.organization.url, 'POST', `/v1/organizations/${org.body.id}/invitations`, { token: admin, body: { email: 'person@example.com', role: 'Developer' } });
    const person = (await signIn(us, 'person@example.com')).accessToken as string;
    await call(eu.organization.url, 'POST', `/v1/invitations/${invite.body.id}/accept`, { token: person });
    const roleAtHome = async () => {
      const me = await call(us.identity.url, 'GET', '/v1/me', { token: person });
      return (me.body.organizations as { id: string; role: string }[]).find((o) => o.id === org.body.id)?.role;
    };
    await eventually(async () => {
      if ((await roleAtHome()) !== 'Developer') throw new Error('not listed yet');
    }, 60_000);

    const latencies: number[] = [];
    let role = 'Developer';
    for (let i = 0; i < CHANGES; i++) {
      role = role === 'Developer' ? 'Agent' : 'Developer';
      const t0 = performance.now();
      const res = await call(eu.organization.url, 'PUT', `/v1/organizations/${org.body.id}/members/${userId}`, { token: admin, body: { role } });
      if (res.status !== 200) throw new Error(`role change ${res.status}: ${JSON.stringify(res.body)}`);
      for (;;) {
        if ((await roleAtHome()) === role) break;
        if (performance.now() - t0 > 60_000) throw new Error(`change ${i} not visible at home after 60 s`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      latencies.push(performance.now() - t0);
    }
    const product = percentiles(latencies);
    const broker = await brokerBaseline(EU_KAFKA, CHANGES, 600);
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    const line = (name: string, s: ReturnType<typeof percentiles>) => `| ${name} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} |`;
    console.log(`\nregions benchmark: ${CHANGES} role changes, one at a time; load average ${load} (shared machine)\n`);
    console.log('| path | n | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    console.log(line('role change in eu → listed at the us home (GET /v1/me)', product));
    console.log(line('eu broker: kafkajs produce → consume (baseline)', broker));
    console.log(`\nratio p50 ${fmt(product.p50 / broker.p50)}x, p99 ${fmt(product.p99 / broker.p99)}x`);
  } finally {
    await Promise.all([us.kill(), eu.kill()]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
