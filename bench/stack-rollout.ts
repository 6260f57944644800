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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { replica as stackReplica, ReplicaAction, ROOT, StackClient, verifyWrites } from '../test/support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<{ requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }>;

const GATEWAY = `http://127.0.0.1:${process.env.STACK_GATEWAY_PORT ?? '8080'}`;
const OPERATOR = readFileSync(join(process.env.STACK_DIR ?? join(ROOT, '.tools/stack'), 'operator-token'), 'utf8').trim();
const DURATION = Number(process.env.BENCH_DURATION) || 10;
const url = process.env.POSTGRES_URL;
if (!url) throw new Error('POSTGRES_URL is not set (the one stack:up printed)');

const client = new StackClient(GATEWAY, OPERATOR);
const replica = (n: number, action: ReplicaAction) => {
  console.log(`  organization-${n}: ${action}`);
  return stackReplica(process.env, 'organization', n, action);
};
const headers = { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' };

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
    const r = await client.provision(`bench-${randomUUID().slice(0, 8)}`);
    if (!r.ok) throw new Error(`provisioning through the gateway failed: ${r.status}`);
    orgs.push(r.id!);
  }

  console.log(`\nauthz checks through nginx (${DURATION} s each, 20 connections, same organization)`);
  console.log('| organization replicas | req/s | p50 ms | p99 ms | failed |');
  console.log('|---|---:|---:|---:|---:|');
  await authzBench(orgs[0], '2');
  await replica(1, 'stop');
  await authzBench(orgs[0], '1');
  await replica(1, 'start');
  await replica(1, 'ready');

  console.log('\nrollout of organization under load (SIGTERM 0, start 0, SIGTERM 1, start 1)');
  const rollout = client.load(orgs);
  const started = Date.now();
  for (const n of [0, 1]) {
    await replica(n, 'stop');
    await replica(n, 'start');
    await replica(n, 'ready');
  }
  await new Promise((r) => setTimeout(r, 2000));
  await rollout.stop();
  console.log(`  ${rollout.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${rollout.failures.length} failed, ${rollout.acknowledged.length} writes acknowledged`);
  for (const f of rollout.failures.slice(0, 10)) console.log(`  failed: ${f.what} ${f.status}`);

  console.log('\nSIGKILL of organization replica 0 under load');
  const crash = client.load(orgs, { prefix: 'crash' });
  await new Promise((r) => setTimeout(r, 2000));
  const killedAt = Date.now();
  await replica(0, 'kill');
  await new Promise((r) => setTimeout(r, 8000));
  await crash.stop();
  const last = crash.failures.length ? Math.max(...crash.failures.map((f) => f.at)) - killedAt : 0;
  console.log(`  ${crash.requests} requests, ${crash.failures.length} failed, failures stopped ${last} ms after the kill, ${crash.acknowledged.length} writes acknowledged`);
  await replica(0, 'start');
  await replica(0, 'ready');

  // every acknowledged write is in the log exactly once
  const names = [...rollout.acknowledged, ...crash.acknowledged].map((a) => a.name);
  const { lost, duplicated } = await verifyWrites(url!, names);
  console.log(`\nacknowledged writes: ${names.length}, lost ${lost.length}, duplicated ${duplicated.length}`);
  if (rollout.failures.length > 0 || lost.length > 0 || duplicated.length > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
