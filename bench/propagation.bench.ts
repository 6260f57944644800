/**
 * Benchmark: how long a role change accepted by organization takes to become visible in identity, through a
 * real Kafka broker, against the broker's own produce-to-consume latency measured in the same run.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/propagation.bench.ts
 *
 * Needs a broker whose data is fresh (scripts/infra/kafka-start.sh wipes it): the topic names are fixed
 * (organization.events.v1, ...) and old messages would be consumed too. The bench refuses to run when
 * organization.events.v1 already holds messages (BENCH_ALLOW_EXISTING=1 to run anyway).
 *
 * 1. Broker baseline: a plain kafkajs producer (defaults: acks=all, one send() per message, not awaited one
 *    by one) and a plain kafkajs consumer (defaults, its own group) on a fresh topic with the same partitions,
 *    messages of the same size, keys and headers as organization's MemberRoleChanged messages, at the same
 *    rate. Latency = consumer's eachMessage − just before send(). BENCH_WARMUP_SECONDS of traffic first,
 *    not counted (a freshly started broker's JIT).
 * 2. Product path, in this process but over the broker: an OrganizationRuntime and an IdentityRuntime, each
 *    with its own KafkaMessageBus (client ids 'organization' / 'identity', consumer groups 'organization' and
 *    'identity', wrapped in StartupTolerantBus as createMessageBus does), temp DATA_DIRs, open(), start(),
 *    startRelay(). Seed: BENCH_ORGS organizations provisioned with an admin, BENCH_MEMBERS members each
 *    (invited and accepted), through `runtime.organizations.handle`, until identity recorded every membership.
 *    Then ChangeMemberRole commands at BENCH_RATE/s for BENCH_SECONDS, round-robin over all non-admin members
 *    (Developer ↔ Agent), each in its own request context (correlation id, as an HTTP request has).
 *    Accepted = `organizations.handle()` resolved (revision r). Visible = identity's `users.handle()`
 *    resolved having appended MembershipRoleChanged for (user, organization, sourceRevision r).
 *    Stages (from wrappers around the two buses): accepted → relay publish() called → broker acknowledged
 *    the batch → identity's handler called → visible.
 *
 * Prints p50/p95/p99/max of both paths, the achieved rates, the ratio product p99 / broker p99 against the goal
 * (<= 3x), the stages, the relay's batches and the consumers' offset commits. Never asserts timings.
 *
 * BENCH_FLOOR=1 adds a second broker run whose consumer has autoCommit: false (kafkajs' default consumer commits
 * after every fetched batch, before fetching again, and Kafka 4.1's group coordinator lingers 5 ms
 * (group.coordinator.append.linger.ms) before writing a commit): the broker's floor, printed for information.
 *
 * Environment: KAFKA_BROKERS (127.0.0.1:9092), BENCH_RATE (1000), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3),
 * BENCH_ORGS (500), BENCH_MEMBERS (4, non-admin members per organization), BENCH_PARTITIONS (3, as
 * KAFKA_TOPIC_PARTITIONS), BENCH_LOG_LEVEL (warn; the services log one info line per consumed event),
 * BENCH_BUS (JSON of KafkaMessageBus options for both buses, e.g. '{"commitIntervalMs":100}'),
 * BENCH_ALLOW_EXISTING=1, BENCH_KEEP=1 (keep the temp data dirs), BENCH_VERBOSE=1 (latencies per second),
 * BENCH_CATCHUP=N (first: consumer catch-up on a backlog of N such messages, see catchUp();
 * BENCH_CATCHUP_HANDLER_MS, BENCH_CATCHUP_ONLY=1 to stop there).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { IDENTITY_EVENTS_TOPIC, ORGANIZATION_EVENTS_TOPIC, Role } from '@lib/contracts';
import { RecordedEvent } from '@lib/eventstore';
import { BatchMessageHandler, BatchSubscribeOptions, BusMessage, KafkaMessageBus, KafkaMessageBusOptions, MessageBus, MessageHandler, StartupTolerantBus } from '@lib/messaging';
import { configureLogger, PlatformModule, runWithContext, sortableId } from '@lib/platform';
import { serviceHandles } from '@lib/service-kit';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadIdentityConfig } from '../apps/identity/src/config';
import { IdentityModule } from '../apps/identity/src/identity.module';
import { UserRepository } from '../apps/identity/src/users/user.repository';
import { SERVICE_TOPICS as IDENTITY_TOPICS } from '../apps/identity/src/service';
import { loadOrganizationConfig } from '../apps/organization/src/config';
import { OrganizationModule } from '../apps/organization/src/organization.module';
import { OrganizationRepository } from '../apps/organization/src/organizations/organization.repository';
import { SecretBox } from '../apps/organization/src/resources/secret-box';
import { organizationStream } from '../apps/organization/src/organizations/organization.events';
import { toIntegrationMessage } from '../apps/organization/src/organizations/organization.integration';
import { SERVICE_TOPICS as ORGANIZATION_TOPICS } from '../apps/organization/src/service';

const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 && process.env[name] !== '' && process.env[name] !== undefined ? v : fallback;
};
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const RATE = env('BENCH_RATE', 1000);
const SECONDS = env('BENCH_SECONDS', 10);
const WARMUP_SECONDS = env('BENCH_WARMUP_SECONDS', 3);
const ORGS = Math.max(1, Math.floor(env('BENCH_ORGS', 500)));
const MEMBERS = Math.max(1, Math.floor(env('BENCH_MEMBERS', 4)));
const PARTITIONS = Math.max(1, Math.floor(env('BENCH_PARTITIONS', 3)));
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const BUS_OVERRIDES = JSON.parse(process.env.BENCH_BUS ?? '{}') as Partial<KafkaMessageBusOptions>;
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const GOAL = 3;
const OPERATOR_TOKEN = `bench-operator-${randomUUID()}`;

const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[propagation-bench] ${msg}\n`);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN, mean };
}
type Stats = ReturnType<typeof percentiles>;

/** per second of the run: p50 / p99 / max of the latencies of what was sent in that second */
function perSecond(samples: { at: number; ms: number }[], t0: number) {
  const seconds = new Map<number, number[]>();
  for (const { at, ms } of samples) {
    const s = Math.floor((at - t0) / 1000);
    if (!seconds.has(s)) seconds.set(s, []);
    seconds.get(s)!.push(ms);
  }
  return [...seconds.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, values]) => {
      const p = percentiles(values);
      return `${s}s: ${p.n} p50 ${fmt(p.p50)} p99 ${fmt(p.p99)} max ${fmt(p.max)}`;
    })
    .join('\n  ');
}

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * Calls `fire(i)` for i = 0 .. count-1 at `rate` per second: each tick fires what is due by then (open loop:
 * a slow acceptance does not slow the schedule down).
 */
async function drive(rate: number, count: number, fire: (i: number) => void) {
  const t0 = now();
  let i = 0;
  while (i < count) {
    const due = Math.min(count, Math.floor(((now() - t0) * rate) / 1000) + 1);
    while (i < due) fire(i++);
    await sleep(1);
  }
  return { count, elapsedMs: now() - t0 };
}

// ------------------------------------------------------------------------------------------ the message

/** what organization's relay publishes for a MemberRoleChanged, for the baseline's size, keys and headers */
function sampleRoleChangeMessage(): BusMessage {
  const organizationId = `org-eu-${sortableId()}`;
  const event: RecordedEvent = {
    id: randomUUID(),
    type: 'MemberRoleChanged',
    data: { organizationId, userId: `usr-${sortableId()}`, from: 'Developer', to: 'Agent' },
    metadata: { at: new Date().toISOString(), actor: 'operator', correlationId: randomUUID() },
    streamName: organizationStream(organizationId),
    revision: 12,
    position: 123_456,
    recordedAt: new Date().toISOString(),
  };
  return toIntegrationMessage(event)!;
}

const messageBytes = (m: BusMessage) =>
  Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + Object.entries(m.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

// ------------------------------------------------------------------------------------- broker baseline

/**
 * `autoCommit: false` is the floor variant (BENCH_FLOOR=1): kafkajs' default consumer commits the resolved
 * offsets after every fetched batch, awaited before the next fetch, and that commit is part of the baseline.
 */
async function brokerBaseline(sample: BusMessage, autoCommit = true) {
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers: BROKERS, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-propagation-baseline-${randomUUID()}`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await admin.disconnect();

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `bench-baseline-${randomUUID()}`, allowAutoTopicCreation: false });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));

  const warmup = Math.round(WARMUP_SECONDS * RATE);
  const total = warmup + Math.round(SECONDS * RATE);
  const sentAt = new Float64Array(total);
  const ackedAt = new Float64Array(total);
  const receivedAt = new Float64Array(total);
  const latencies: number[] = [];
  const samples: { at: number; ms: number }[] = [];
  let received = 0;
  let sendErrors = 0;
  await consumer.run({
    autoCommit,
    eachMessage: async ({ message }) => {
      const t = now();
      const value = message.value!.toString('utf8');
      const i = Number(value.slice(0, value.indexOf(':')));
      received++;
      receivedAt[i] = t;
      if (i >= warmup) latencies.push(t - sentAt[i]);
      samples.push({ at: sentAt[i], ms: t - sentAt[i] });
    },
  });
  await joined;

  // same size, same keys (organizations), same headers as the product's messages
  const keys = Array.from({ length: ORGS }, () => `org-eu-${sortableId()}`);
  const padding = 'x'.repeat(Math.max(0, Buffer.byteLength(sample.value) - 8));
  log(`broker baseline${autoCommit ? '' : ' without offset commits'}: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s at ${RATE}/s, ${messageBytes(sample)} bytes per message`);
  let measuredFrom = 0;
  const t0 = now();
  const run = await drive(RATE, total, (i) => {
    if (i === warmup) measuredFrom = now();
    const value = `${i}:${padding}`.slice(0, Math.max(padding.length, Buffer.byteLength(sample.value)));
    const headers = { ...sample.headers, 'event-id': randomUUID(), 'correlation-id': randomUUID() };
    sentAt[i] = now();
    producer.send({ topic, messages: [{ key: keys[i % keys.length], value, headers }] }).then(
      () => void (ackedAt[i] = now()),
      () => void sendErrors++,
    );
  });
  const measuredMs = now() - (measuredFrom || now());
  await until('the baseline consumer to receive everything', () => received >= total, 30_000).catch((e) => log(String(e)));
  if (VERBOSE) log(`broker baseline per second (warm-up included):\n  ${perSecond(samples, t0)}`);
  await consumer.disconnect();
  await producer.disconnect();
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await cleanup.disconnect();
  const measured = Array.from({ length: total - warmup }, (_, k) => k + warmup).filter((i) => ackedAt[i] > 0);
  const stages = {
    'send() → broker ack': percentiles(measured.map((i) => ackedAt[i] - sentAt[i])),
    'broker ack → eachMessage': percentiles(measured.filter((i) => receivedAt[i] > 0).map((i) => receivedAt[i] - ackedAt[i])),
  };
  return { stats: percentiles(latencies), stages, rate: (total - warmup) / (measuredMs / 1000), lost: total - received, sendErrors, drivenMs: run.elapsedMs };
}

// -------------------------------------------------------------------------------------- product path

interface Trace {
  accepted?: number;
  published?: number;
  acked?: number;
  received?: number;
  visible?: number;
}

/** a MessageBus that reports what it publishes and hands to handlers (a few µs per message) */
class ObservedBus implements MessageBus {
  readonly publishes: { count: number; ms: number }[] = [];
  constructor(
    private readonly inner: MessageBus,
    private readonly hooks: { published?: (m: BusMessage, start: number, end: number) => void; received?: (m: BusMessage, at: number) => void },
  ) {}

  async publish(messages: BusMessage[]): Promise<void> {
    const start = now();
    await this.inner.publish(messages);
    const end = now();
    this.publishes.push({ count: messages.length, ms: end - start });
    if (this.hooks.published) for (const m of messages) this.hooks.published(m, start, end);
  }

  subscribe(topic: string, group: string, handler: MessageHandler): Promise<void> {
    return this.inner.subscribe(topic, group, async (m) => {
      this.hooks.received?.(m, now());
      await handler(m);
    });
  }

  subscribeBatch(topic: string, group: string, handler: BatchMessageHandler, options?: BatchSubscribeOptions): Promise<void> {
    return this.inner.subscribeBatch(
      topic,
      group,
      async (messages) => {
        const at = now();
        for (const m of messages) this.hooks.received?.(m, at);
        await handler(messages);
      },
      options,
    );
  }

  ping() {
    return this.inner.ping();
  }

  close() {
    return this.inner.close();
  }
}

/** the bus createMessageBus builds for a service, with the bench's overrides */
function serviceBus(config: { KAFKA_BROKERS: string[]; KAFKA_TOPIC_PARTITIONS: number; KAFKA_REPLICATION_FACTOR: number }, clientId: string, topics: string[]) {
  const kafka = new KafkaMessageBus({
    brokers: config.KAFKA_BROKERS,
    clientId,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    ...BUS_OVERRIDES,
  });
  return { kafka, bus: new StartupTolerantBus(kafka, topics) };
}

async function productPath() {
  const dirs = [mkdtempSync(join(tmpdir(), 'propagation-organization-')), mkdtempSync(join(tmpdir(), 'propagation-identity-'))];
  const base = {
    REGION: 'eu',
    BUS: 'kafka',
    KAFKA_BROKERS: BROKERS.join(','),
    KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL,
    PORT: '0',
  };
  const orgConfig = loadOrganizationConfig({ ...base, DATA_DIR: dirs[0] });
  const idConfig = loadIdentityConfig({ ...base, DATA_DIR: dirs[1] });

  const traces = new Map<string, Trace>();
  const trace = (key: string) => {
    let t = traces.get(key);
    if (!t) traces.set(key, (t = {}));
    return t;
  };
  const roleChangeKey = (m: BusMessage) => {
    if (m.headers['event-type'] !== 'MemberRoleChanged') return null;
    const e = JSON.parse(m.value) as { sourceRevision: number; data: { organizationId: string; userId: string } };
    return `${e.data.organizationId}|${e.data.userId}|${e.sourceRevision}`;
  };
  let organizationPublished = 0;
  let identityReceived = 0;
  const sizes: number[] = [];

  const org = serviceBus(orgConfig, 'organization', ORGANIZATION_TOPICS);
  const id = serviceBus(idConfig, 'identity', IDENTITY_TOPICS);
  const orgBus = new ObservedBus(org.bus, {
    published: (m, start, end) => {
      if (m.topic !== ORGANIZATION_EVENTS_TOPIC) return;
      organizationPublished++;
      const key = roleChangeKey(m);
      if (!key) return;
      if (sizes.length < 1000) sizes.push(messageBytes(m));
      const t = trace(key);
      t.published = start;
      t.acked = end;
    },
  });
  const idBus = new ObservedBus(id.bus, {
    received: (m, at) => {
      if (m.topic !== ORGANIZATION_EVENTS_TOPIC) return;
      identityReceived++;
      const key = roleChangeKey(m);
      if (key) trace(key).received ??= at;
    },
  });

  // each service in its own Nest application context (no HTTP), on its own bus, as in its own process
  const organization = await openService(OrganizationModule.register({ config: orgConfig, bus: orgBus, operatorToken: OPERATOR_TOKEN }));
  const identity = await openService(IdentityModule.register({ config: idConfig, bus: idBus, operatorToken: OPERATOR_TOKEN }));
  const organizations = organization.get(OrganizationRepository);
  const secrets = organization.get(SecretBox);

  // visible: identity appended MembershipRoleChanged for (user, organization, sourceRevision)
  let granted = 0;
  const users = identity.get(UserRepository);
  const handleUser = users.handle.bind(users);
  users.handle = (async (userId, command, metadata, options) => {
    const result = await handleUser(userId, command, metadata, options);
    for (const e of result.events) {
      if (e.type === 'MembershipGranted') granted++;
      if (e.type === 'MembershipRoleChanged' && command.type === 'RecordMembership') {
        trace(`${command.organizationId}|${userId}|${command.sourceRevision}`).visible ??= now();
      }
    }
    return result;
  }) as typeof users.handle;

  const cleanup = async () => {
    await Promise.allSettled([organization.relay.stop(), identity.relay.stop()]);
    await Promise.allSettled([orgBus.close(), idBus.close()]);
    await Promise.allSettled([organization.close(), identity.close()]);
    if (process.env.BENCH_KEEP !== '1') for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dirs.join(' and ')}`);
  };

  try {
    // StartupTolerantBus subscribes in the background: ping answers once the topics exist and consumers run
    await until('both consumers to run', async () => (await Promise.all([orgBus.ping(), idBus.ping()]).then(() => true, () => false)), 60_000, 100);

    // ---------------------------------------------------------------- seed
    const operator = { kind: 'operator' as const };
    const at = () => new Date().toISOString();
    const members: { organizationId: string; userId: string; role: Role }[] = [];
    const seedStart = now();
    for (let from = 0; from < ORGS; from += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, ORGS - from) }, async () => {
          const organizationId = `org-eu-${sortableId()}`;
          const adminId = `usr-${sortableId()}`;
          const meta = () => ({ at: at(), actor: 'operator' });
          await organizations.handle(
            organizationId,
            {
              type: 'ProvisionOrganization',
              organizationId,
              name: `Bench ${organizationId.slice(-6)}`,
              region: 'eu',
              admin: { email: `${adminId}@bench.test`, userId: adminId },
              invitationId: `inv-${sortableId()}`,
              invitationExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
              wrappedKey: secrets.newWrappedKey(),
              at: at(),
              actor: operator,
            },
            meta(),
          );
          for (let m = 0; m < MEMBERS; m++) {
            const userId = `usr-${sortableId()}`;
            const email = `${userId}@bench.test`;
            const invitationId = `inv-${sortableId()}`;
            const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
            await organizations.handle(
              organizationId,
              { type: 'InviteMember', invitationId, email, role: 'Developer', expiresAt, at: at(), actor: operator },
              meta(),
            );
            await organizations.handle(
              organizationId,
              { type: 'AcceptInvitation', invitationId, userId, email, at: at(), actor: { kind: 'user', userId, email } },
              { at: at(), actor: userId },
            );
            members.push({ organizationId, userId, role: 'Developer' });
          }
        }),
      );
    }
    const memberships = ORGS * (1 + MEMBERS);
    await until('identity to record every membership', () => granted >= memberships, 180_000);
    await until('identity to consume every seed message', () => identityReceived >= organizationPublished && organization.relay.publishedCount > 0, 60_000);
    log(
      `seeded ${ORGS} organizations, ${memberships} memberships, ${organizationPublished} messages in ${fmt((now() - seedStart) / 1000)} s; ` +
        `identity has them all`,
    );
    await sleep(1000);

    // ---------------------------------------------------------------- role changes at RATE/s
    const publishesBefore = orgBus.publishes.length;
    const total = Math.round(SECONDS * RATE);
    const acceptedKeys: string[] = [];
    let rejected = 0;
    let firstAccept = Infinity;
    let lastAccept = 0;
    const acceptDelays: number[] = [];
    const cpuBefore = process.cpuUsage();
    log(`product path: ${total} role changes at ${RATE}/s over ${members.length} members of ${ORGS} organizations`);
    const run = await drive(RATE, total, (i) => {
      const member = members[i % members.length];
      const role: Role = member.role === 'Developer' ? 'Agent' : 'Developer';
      member.role = role;
      const issued = now();
      const when = at();
      runWithContext({ requestId: randomUUID(), correlationId: randomUUID() }, () =>
        organizations.handle(
          member.organizationId,
          { type: 'ChangeMemberRole', userId: member.userId, role, at: when, actor: operator },
          { at: when, actor: 'operator' },
        ),
      ).then(
        (result) => {
          const t = now();
          acceptDelays.push(t - issued);
          firstAccept = Math.min(firstAccept, t);
          lastAccept = Math.max(lastAccept, t);
          const key = `${member.organizationId}|${member.userId}|${result.revision}`;
          trace(key).accepted = t;
          acceptedKeys.push(key);
        },
        () => rejected++,
      );
    });
    await until('every change to be accepted', () => acceptedKeys.length + rejected >= total, 30_000);
    await until('identity to see every change', () => acceptedKeys.every((k) => traces.get(k)?.visible !== undefined), 60_000).catch((e) =>
      log(String(e)),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = now() - (firstAccept === Infinity ? now() : firstAccept);

    const done = acceptedKeys.map((k) => traces.get(k)!).filter((t) => t.accepted !== undefined && t.visible !== undefined);
    if (VERBOSE) {
      const start = Math.min(...done.map((t) => t.accepted!));
      log(`product per second:\n  ${perSecond(done.map((t) => ({ at: t.accepted!, ms: t.visible! - t.accepted! })), start)}`);
    }
    const stage = (from: keyof Trace, to: keyof Trace) =>
      percentiles(done.filter((t) => t[from] !== undefined && t[to] !== undefined).map((t) => t[to]! - t[from]!));
    const batches = orgBus.publishes.slice(publishesBefore);
    return {
      stats: percentiles(done.map((t) => t.visible! - t.accepted!)),
      rate: acceptedKeys.length / ((lastAccept - firstAccept) / 1000),
      drivenMs: run.elapsedMs,
      accepted: acceptedKeys.length,
      rejected,
      missing: acceptedKeys.length - done.length,
      acceptMs: percentiles(acceptDelays),
      stages: {
        'accepted → relay publish()': stage('accepted', 'published'),
        'publish() → broker ack': stage('published', 'acked'),
        'broker ack → identity handler': stage('acked', 'received'),
        'identity handler → visible': stage('received', 'visible'),
        'publish() → identity handler': stage('published', 'received'),
      } as Record<string, Stats>,
      relay: {
        publishes: batches.length,
        perBatch: percentiles(batches.map((b) => b.count)),
        publishMs: percentiles(batches.map((b) => b.ms)),
      },
      commits: [...org.kafka.commitStats(), ...id.kafka.commitStats()],
      messageBytes: percentiles(sizes),
      cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    };
  } finally {
    await cleanup();
  }
}

// ------------------------------------------------------------------------------- consumer catch-up

/**
 * BENCH_CATCHUP=N: N messages like the product's published to a fresh topic through a KafkaMessageBus, then one
 * new group subscribes with a no-op handler (BENCH_CATCHUP_HANDLER_MS > 0: an async handler of that many ms):
 * messages handled per second from the first delivery, and whether close() left the group at the end.
 */
async function catchUp(sample: BusMessage, count: number) {
  const handlerMs = env('BENCH_CATCHUP_HANDLER_MS', 0);
  const bus = new KafkaMessageBus({ brokers: BROKERS, clientId: 'bench-catchup', partitions: PARTITIONS, logLevel: logLevel.ERROR, ...BUS_OVERRIDES });
  const topic = `bench-catchup-${randomUUID()}`;
  const group = `bench-catchup-${randomUUID()}`;
  try {
    await bus.ensureTopics([topic]);
    const keys = Array.from({ length: ORGS }, () => `org-eu-${sortableId()}`);
    for (let from = 0; from < count; from += 500) {
      await bus.publish(
        Array.from({ length: Math.min(500, count - from) }, (_, k) => ({ ...sample, topic, key: keys[(from + k) % keys.length], headers: { ...sample.headers, 'event-id': randomUUID() } })),
      );
    }
    let handled = 0;
    let first = 0;
    let last = 0;
    const subscribed = now();
    await bus.subscribe(topic, group, async () => {
      if (handled === 0) first = now();
      if (handlerMs > 0) await sleep(handlerMs);
      handled++;
      last = now();
    });
    await until('the backlog to be handled', () => handled >= count, 600_000, 10);
    const closeStart = now();
    await bus.close();
    const closeMs = now() - closeStart;
    const kafka = new Kafka({ clientId: 'bench-catchup-check', brokers: BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const [{ partitions }] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const atEnd = ends.every((e) => partitions.find((p) => p.partition === e.partition)?.offset === e.high);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    return { count, handlerMs, firstAfterMs: first - subscribed, perSecond: count / ((last - first) / 1000), closeMs, atEnd };
  } finally {
    await bus.close();
  }
}

// --------------------------------------------------------------------------------------------- main

async function freshBrokerCheck() {
  const kafka = new Kafka({ clientId: 'bench-check', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`no Kafka broker at ${BROKERS.join(',')} (${(error as Error).message}): start one with scripts/infra/kafka-start.sh`, {
      cause: error,
    });
  }
  try {
    const topics = await admin.listTopics();
    for (const topic of [ORGANIZATION_EVENTS_TOPIC, IDENTITY_EVENTS_TOPIC]) {
      if (!topics.includes(topic)) continue;
      const messages = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      if (messages > 0 && process.env.BENCH_ALLOW_EXISTING !== '1') {
        throw new Error(
          `${topic} already holds ${messages} messages: restart the broker with fresh data (scripts/infra/kafka-stop.sh; ` +
            `scripts/infra/kafka-start.sh wipes it), or set BENCH_ALLOW_EXISTING=1`,
        );
      }
    }
  } finally {
    await admin.disconnect();
  }
}

const row = (name: string, s: Stats, extra = '') =>
  `| ${name} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} |${extra}`;

async function main() {
  configureLogger(LOG_LEVEL);
  await freshBrokerCheck();
  const sample = sampleRoleChangeMessage();
  const catchUpCount = Math.floor(env('BENCH_CATCHUP', 0));
  if (catchUpCount > 0) {
    const c = await catchUp(sample, catchUpCount);
    process.stdout.write(
      `catch-up: ${c.count} messages, one new group, ${c.handlerMs ? `${c.handlerMs} ms async handler` : 'no-op handler'}: ` +
        `${fmt(c.perSecond, 0)} messages/s (first delivery ${fmt(c.firstAfterMs, 0)} ms after subscribe); ` +
        `close() ${fmt(c.closeMs, 0)} ms, committed offsets at the end of every partition: ${c.atEnd ? 'yes' : 'NO'}\n`,
    );
    if (process.env.BENCH_CATCHUP_ONLY === '1') return;
  }
  const broker = await brokerBaseline(sample);
  const floor = process.env.BENCH_FLOOR === '1' ? await brokerBaseline(sample, false) : null;
  const product = await productPath();

  const ratio = product.stats.p99 / broker.stats.p99;
  const out: string[] = [];
  out.push('');
  out.push(
    `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
      `brokers ${BROKERS.join(',')}, ${PARTITIONS} partitions, rate ${RATE}/s for ${SECONDS} s` +
      (Object.keys(BUS_OVERRIDES).length ? `, bus ${JSON.stringify(BUS_OVERRIDES)}` : ''),
  );
  out.push('');
  out.push('| path (ms) | n | p50 | p95 | p99 | max | achieved rate |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  out.push(row('broker: kafkajs producer → kafkajs consumer', broker.stats, ` ${fmt(broker.rate, 0)}/s |`));
  if (floor) out.push(row('floor: the same, consumer with autoCommit: false', floor.stats, ` ${fmt(floor.rate, 0)}/s |`));
  out.push(row('product: organization accepted → identity visible', product.stats, ` ${fmt(product.rate, 0)}/s |`));
  out.push('');
  out.push(
    `product p99 / broker p99 = ${fmt(ratio, 2)}x (goal <= ${GOAL}x): ${ratio <= GOAL ? 'MET' : 'MISSED'}` +
      `; message ${fmt(product.messageBytes.p50, 0)} bytes (key + value + headers)`,
  );
  if (floor) out.push(`product p99 / floor p99 = ${fmt(product.stats.p99 / floor.stats.p99, 2)}x (for information)`);
  if (broker.lost || broker.sendErrors) out.push(`broker baseline: ${broker.lost} not received, ${broker.sendErrors} send errors`);
  if (product.missing || product.rejected) out.push(`product: ${product.missing} changes never visible, ${product.rejected} rejected`);
  out.push(`product: handle() took p50 ${fmt(product.acceptMs.p50, 2)} / p99 ${fmt(product.acceptMs.p99, 2)} ms; this process used ${fmt(product.cpuPercent, 0)}% CPU meanwhile`);
  out.push('');
  out.push('| stage (ms) | n | p50 | p95 | p99 | max |');
  out.push('|---|---:|---:|---:|---:|---:|');
  for (const [name, s] of Object.entries(broker.stages)) out.push(row(`broker: ${name}`, s));
  if (floor) for (const [name, s] of Object.entries(floor.stages)) out.push(row(`floor: ${name}`, s));
  for (const [name, s] of Object.entries(product.stages)) out.push(row(`product: ${name}`, s));
  out.push('');
  const r = product.relay;
  out.push(
    `relay: ${r.publishes} publishes for ${product.accepted} changes: messages per publish p50 ${fmt(r.perBatch.p50, 0)}, mean ${fmt(r.perBatch.mean)}, ` +
      `max ${fmt(r.perBatch.max, 0)}; publish() p50 ${fmt(r.publishMs.p50)} / p99 ${fmt(r.publishMs.p99)} ms`,
  );
  for (const c of product.commits) {
    out.push(`consumer ${c.group} on ${c.topic}: ${c.commits} offset commits (${c.offsets} partition offsets), ${c.failures} failed`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);

/** a service module started without HTTP: consumers subscribe, then the relay publishes (the kit's lifecycle) */
async function openService(registered: DynamicModule) {
  @Module({ imports: [PlatformModule, registered] })
  class BenchServiceModule {}
  const context = await NestFactory.createApplicationContext(BenchServiceModule, { logger: false });
  await context.init();
  return { ...serviceHandles(context, registered), close: () => context.close() };
}
