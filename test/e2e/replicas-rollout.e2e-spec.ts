import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { replica, ROOT, StackClient, StackService, verifyWrites } from '../support/stack';

const run = promisify(execFile);

/**
 * Issue 15's "done when": the local stack from scripts/stack (real PostgreSQL, Kafka, S3Proxy and nginx; two
 * replicas of each service as separate processes) under a steady, bounded load of authorization checks and
 * writes through the gateway. Each service is rolled (SIGTERM one replica, start its replacement, wait until
 * ready, then the other): no request may fail and every acknowledged write is in the log exactly once. Then
 * one organization replica is SIGKILLed under the same load: failures stop within a few seconds and nothing
 * acknowledged is lost.
 *
 * Servers: the ones .ci/run started (KAFKA_PORT 9092, S3_PORT 9000, PG_PORT 5432) are reused, the stack gets a
 * database of its own on PostgreSQL; whatever is not running is started here and stopped afterwards.
 * Ports of this suite: REPLICAS_E2E_PORT (31500, below the ephemeral port range) for nginx, +11.. for the replicas.
 */
jest.setTimeout(300_000);

const GATEWAY_PORT = Number(process.env.REPLICAS_E2E_PORT ?? 31500);
const PORTS = {
  kafka: Number(process.env.KAFKA_PORT ?? 9092),
  s3: Number(process.env.S3_PORT ?? 9000),
  pg: Number(process.env.PG_PORT ?? 5432),
};
const SERVICES: StackService[] = ['identity', 'organization', 'app-packaging'];
/** "within a few seconds": the last failure after the SIGKILL comes at most this long after it */
const FAILURES_STOP_WITHIN_MS = 5_000;

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two replicas of each service behind nginx: rollouts and a crash under load', () => {
  const stackDir = mkdtempSync(join(tmpdir(), 'ocp-replicas-e2e-'));
  chmodSync(stackDir, 0o755); // nginx's workers write their temp files under it
  const database = `replicas_e2e_${randomBytes(4).toString('hex')}`;
  const serverUrl = `postgres://postgres@127.0.0.1:${PORTS.pg}/postgres`;
  const postgresUrl = `postgres://postgres@127.0.0.1:${PORTS.pg}/${database}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSTGRES_URL: postgresUrl, // for replica.sh (up.sh sets it for the replicas it starts)
    STACK_DIR: stackDir,
    STACK_GATEWAY_PORT: String(GATEWAY_PORT),
    STACK_PORT_BASE: String(GATEWAY_PORT + 10),
    STACK_REPLICAS: '2',
    STACK_PG_DATABASE: database,
    STACK_READY_TIMEOUT: '150',
    SHUTDOWN_DRAIN_MS: '2000',
    KAFKA_PORT: String(PORTS.kafka),
    KAFKA_CONTROLLER_PORT: process.env.KAFKA_CONTROLLER_PORT ?? String(PORTS.kafka + 1),
    S3_PORT: String(PORTS.s3),
    PG_PORT: String(PORTS.pg),
  };
  const startedHere: string[] = [];
  let upAttempted = false;
  let client: StackClient;
  const orgs: string[] = [];

  beforeAll(async () => {
    if (!(await portOpen(PORTS.kafka))) startedHere.push('kafka');
    if (!(await portOpen(PORTS.s3))) startedHere.push('s3');
    if (!(await portOpen(PORTS.pg))) startedHere.push('pg');
    upAttempted = true;
    await run('bash', [join(ROOT, 'scripts/stack/up.sh')], { env, maxBuffer: 1 << 24 });
    client = new StackClient(`http://127.0.0.1:${GATEWAY_PORT}`, readFileSync(join(stackDir, 'operator-token'), 'utf8').trim());
    // the gateway and the three services answer: a few organizations to check against
    const deadline = Date.now() + 60_000;
    while (orgs.length < 3) {
      const r = await client.provision(`seed-${randomBytes(4).toString('hex')}`);
      if (r.ok) orgs.push(r.id!);
      else if (Date.now() > deadline) throw new Error(`provisioning through the gateway failed: ${r.status}`);
      else await sleep(500);
    }
  });

  afterAll(async () => {
    if (upAttempted) await run('bash', [join(ROOT, 'scripts/stack/down.sh')], { env: { ...env, STACK_KEEP_SERVERS: '1' } }).catch((e) => console.error(e));
    const stop = { kafka: 'kafka-stop.sh', s3: 's3-stop.sh', pg: 'pg-stop.sh' } as Record<string, string>;
    if (!startedHere.includes('pg') && upAttempted) {
      const db = new Client({ connectionString: serverUrl });
      await db
        .connect()
        .then(() => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
        .catch((e) => console.error(e))
        .finally(() => db.end());
    }
    for (const server of startedHere) await run('bash', [join(ROOT, 'scripts/infra', stop[server])], { env }).catch((e) => console.error(e));
    rmSync(stackDir, { recursive: true, force: true });
  });

  it('rolls identity, organization and app-packaging under load with 0 failed requests and 0 lost or duplicated writes', async () => {
    const load = client.load(orgs, { checkers: 2, pauseMs: 10, writeEveryMs: 100, prefix: 'rollout' });
    const started = Date.now();
    try {
      await sleep(1_000);
      for (const service of SERVICES) {
        for (const n of [0, 1]) {
          await replica(env, service, n, 'stop');
          await replica(env, service, n, 'start');
          await replica(env, service, n, 'ready');
        }
      }
      await sleep(1_000);
    } finally {
      await load.stop();
    }
    console.log(
      `rollout of 3 services x 2 replicas: ${load.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
        `${load.failures.length} failed, ${load.acknowledged.length} writes acknowledged`,
    );
    expect(load.failures).toEqual([]);
    expect(load.requests).toBeGreaterThan(100);
    expect(load.acknowledged.length).toBeGreaterThan(10);
    const { lost, duplicated } = await verifyWrites(postgresUrl, load.acknowledged.map((a) => a.name));
    expect({ lost, duplicated }).toEqual({ lost: [], duplicated: [] });
  });

  it('SIGKILL of one organization replica under load: failures stop within a few seconds, nothing acknowledged is lost', async () => {
    const load = client.load(orgs, { checkers: 2, pauseMs: 10, writeEveryMs: 100, prefix: 'crash' });
    let killedAt = 0;
    try {
      await sleep(2_000);
      killedAt = Date.now();
      await replica(env, 'organization', 0, 'kill');
      // organization replica 0 (port base + 2) is really gone
      expect(await portOpen(GATEWAY_PORT + 12)).toBe(false);
      await sleep(8_000);
    } finally {
      await load.stop();
    }
    const afterKill = load.failures.filter((f) => f.at >= killedAt);
    const lastFailure = afterKill.length ? Math.max(...afterKill.map((f) => f.at)) - killedAt : 0;
    console.log(`SIGKILL: ${load.requests} requests, ${load.failures.length} failed, the last ${lastFailure} ms after the kill, ${load.acknowledged.length} writes acknowledged`);
    expect(load.failures.filter((f) => f.at < killedAt)).toEqual([]);
    expect(lastFailure).toBeLessThanOrEqual(FAILURES_STOP_WITHIN_MS);
    // the surviving replica kept answering after the failures stopped
    expect(load.requests).toBeGreaterThan(50);
    expect(load.acknowledged.length).toBeGreaterThan(5);
    const { lost } = await verifyWrites(postgresUrl, load.acknowledged.map((a) => a.name));
    expect(lost).toEqual([]);
  });
});
