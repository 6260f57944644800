/**
 * Against the local stack (`npm run stack:up`, two replicas of each service behind nginx):
 *   1. authorization checks through nginx with 2 organization replicas, then with 1 (autocannon, same settings);
 *   2. a rollout of organization under a steady load of authorization checks and writes (organizations
 *      provisioned through the gateway): SIGTERM replica 0, start its replacement, wait until it is ready, then
 *      the same for replica 1. Counts failed requests, then checks every acknowledged write is in the log
 *      exactly once (PostgreSQL);
 *   3. SIGKILL of organization replica 0 under the same load: failures and how long they lasted; then it is
 *      started again.
 * Prints figures; exits 1 when a rollout request failed or an acknowledged write is missing or duplicated.
 *
 *   STACK_GATEWAY_PORT=28080 STACK_PORT_BASE=28100 KAFKA_PORT=29092 S3_PORT=29000 \
 *   POSTGRES_URL=postgres://postgres@127.0.0.1:25432/postgres npm run -s bench:stack
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<{ requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }>;

const ROOT = join(__dirname, '..');
const GATEWAY = `http://127.0.0.1:${process.env.STACK_GATEWAY_PORT ?? '8080'}`;
const OPERATOR = readFileSync(join(ROOT, '.tools/stack/operator-token'), 'utf8').trim();
const DURATION = Number(process.env.BENCH_DURATION) || 10;
const url = process.env.POSTGRES_URL;
if (!url) throw new Error('POSTGRES_URL is not set (the one stack:up printed)');

const replica = (n: number, action: 'start' | 'ready' | 'stop' | 'kill') =>
  execFileSync('bash', [join(ROOT, 'scripts/stack/replica.sh'), 'organization', String(n), action], { stdio: 'inherit' });

const headers = { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' };

async function provision(name: string): Promise<{ ok: boolean; id?: string; status: number | string }> {
  try {
    const res = await fetch(`${GATEWAY}/v1/organizations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name, region: 'us', admin: { email: `${name}@example.com` } }),
    });
    const body = (await res.json()) as { id?: string };
    return { ok: res.status === 201, id: body.id, status: res.status };
  } catch (error) {
    return { ok: false, status: (error as Error).message };
  }
}

async function check(organizationId: string): Promise<{ ok: boolean; status: number | string }> {
  try {
    const res = await fetch(`${GATEWAY}/v1/authz/check`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ userId: 'usr-01m8qjccysd0cv2hqqsvsfbcss', organizationId, permission: 'members.read' }),
    });
    await res.arrayBuffer();
    return { ok: res.status === 200, status: res.status };
  } catch (error) {
    return { ok: false, status: (error as Error).message };
  }
}

/** steady load until stopped: 4 workers of authz checks, 1 of writes; records every failure with its time */
function load(orgs: string[]) {
  let running = true;
  const failures: { at: number; what: string; status: number | string }[] = [];
  const acknowledged: { id: string; name: string }[] = [];
  let requests = 0;
  const workers = [
    ...Array.from({ length: 4 }, async () => {
      for (let i = 0; running; i++) {
        const r = await check(orgs[i % orgs.length]);
        requests++;
        if (!r.ok) failures.push({ at: Date.now(), what: 'authz', status: r.status });
      }
    }),
    (async () => {
      while (running) {
        const name = `rollout-${randomUUID().slice(0, 8)}`;
        const r = await provision(name);
        requests++;
        if (r.ok) acknowledged.push({ id: r.id!, name });
        else failures.push({ at: Date.now(), what: 'write', status: r.status });
        await new Promise((res) => setTimeout(res, 20));
      }
    })(),
  ];
  return {
    failures,
    acknowledged,
    get requests() {
      return requests;
    },
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

async function authzBench(orgId: string, label: string) {
  const result = await autocannon({
    url: `${GATEWAY}/v1/authz/check`,
    method: 'POST',
    headers,
    body: JSON.stringify({ userId: 'usr-01m8qjccysd0cv2hqqsvsfbcss', organizationId: orgId, permission: 'members.read' }),
    connections: 20,
    duration: DURATION,
  });
  console.log(
    `| ${label} | ${Math.round(result.requests.average).toLocaleString('en-US')} | ${result.latency.p50} | ${result.latency.p99} | ${result.non2xx + result.errors} |`,
  );
  return result;
}

async function main() {
  const orgs: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await provision(`bench-${randomUUID().slice(0, 8)}`);
    if (!r.ok) throw new Error(`provisioning through the gateway failed: ${r.status}`);
    orgs.push(r.id!);
  }

  console.log(`\nauthz checks through nginx (${DURATION} s each, 20 connections, same organization)`);
  console.log('| organization replicas | req/s | p50 ms | p99 ms | failed |');
  console.log('|---|---:|---:|---:|---:|');
  await authzBench(orgs[0], '2');
  replica(1, 'stop');
  await authzBench(orgs[0], '1');
  replica(1, 'start');
  replica(1, 'ready');

  console.log('\nrollout of organization under load (SIGTERM 0, start 0, SIGTERM 1, start 1)');
  const rollout = load(orgs);
  const started = Date.now();
  for (const n of [0, 1]) {
    replica(n, 'stop');
    replica(n, 'start');
    replica(n, 'ready');
  }
  await new Promise((r) => setTimeout(r, 2000));
  await rollout.stop();
  console.log(`  ${rollout.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${rollout.failures.length} failed, ${rollout.acknowledged.length} writes acknowledged`);
  for (const f of rollout.failures.slice(0, 10)) console.log(`  failed: ${f.what} ${f.status}`);

  console.log('\nSIGKILL of organization replica 0 under load');
  const crash = load(orgs);
  await new Promise((r) => setTimeout(r, 2000));
  const killedAt = Date.now();
  replica(0, 'kill');
  await new Promise((r) => setTimeout(r, 8000));
  await crash.stop();
  const last = crash.failures.length ? Math.max(...crash.failures.map((f) => f.at)) - killedAt : 0;
  console.log(`  ${crash.requests} requests, ${crash.failures.length} failed, failures stopped ${last} ms after the kill, ${crash.acknowledged.length} writes acknowledged`);
  replica(0, 'start');
  replica(0, 'ready');

  // every acknowledged write is in the log exactly once
  const db = new Client({ connectionString: url });
  await db.connect();
  const names = [...rollout.acknowledged, ...crash.acknowledged].map((a) => a.name);
  const { rows } = await db.query<{ name: string; n: number }>(
    `SELECT data->>'name' AS name, count(*)::int AS n FROM organization.events
     WHERE type = 'OrganizationProvisioned' AND data->>'name' = ANY($1::text[]) GROUP BY 1`,
    [names],
  );
  await db.end();
  const counts = new Map(rows.map((r) => [r.name, r.n]));
  const lost = names.filter((n) => !counts.has(n)).length;
  const duplicated = rows.filter((r) => r.n > 1).length;
  console.log(`\nacknowledged writes: ${names.length}, lost ${lost}, duplicated ${duplicated}`);
  if (rollout.failures.length > 0 || lost > 0 || duplicated > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
