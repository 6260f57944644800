/**
 * The local stack (scripts/stack: two replicas of each service on PostgreSQL and Kafka behind nginx) driven from
 * TypeScript: starting/stopping replicas through scripts/stack/replica.sh, a steady bounded load of
 * authorization checks and writes through the gateway, and the check that every acknowledged write is in the
 * PostgreSQL log exactly once. Shared by test/e2e/replicas-rollout.e2e-spec.ts and bench/stack-rollout.ts.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
export const ROOT = join(__dirname, '..', '..');
export type StackService = 'identity' | 'organization' | 'app-packaging';
export type ReplicaAction = 'start' | 'ready' | 'stop' | 'kill';

/** runs scripts/stack/replica.sh with env (STACK_DIR, ports...); its log lines go to stderr of the caller */
export async function replica(env: NodeJS.ProcessEnv, service: StackService, n: number, action: ReplicaAction): Promise<void> {
  await run('bash', [join(ROOT, 'scripts/stack/replica.sh'), service, String(n), action], { env, maxBuffer: 1 << 24 });
}

export interface Failure {
  at: number;
  what: 'authz' | 'write';
  status: number | string;
}

export class StackClient {
  constructor(
    readonly gateway: string,
    private readonly operatorToken: string,
  ) {}

  private get headers() {
    return { authorization: `Bearer ${this.operatorToken}`, 'content-type': 'application/json' };
  }

  /** provisions an organization through the gateway (a write acknowledged by 201) */
  async provision(name: string): Promise<{ ok: boolean; id?: string; status: number | string }> {
    try {
      const res = await fetch(`${this.gateway}/v1/organizations`, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ name, region: 'us', admin: { email: `${name}@example.com` } }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json().catch(() => ({}))) as { id?: string };
      return { ok: res.status === 201 && typeof body.id === 'string', id: body.id, status: res.status };
    } catch (error) {
      return { ok: false, status: (error as Error).message };
    }
  }

  /** an authorization check through the gateway, answered 200 (allowed or not) by a healthy replica */
  async check(organizationId: string): Promise<{ ok: boolean; status: number | string }> {
    try {
      const res = await fetch(`${this.gateway}/v1/authz/check`, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ userId: 'usr-01m8qjccysd0cv2hqqsvsfbcss', organizationId, permission: 'members.read' }),
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      return { ok: res.status === 200, status: res.status };
    } catch (error) {
      return { ok: false, status: (error as Error).message };
    }
  }

  /**
   * Steady load until stop(): `checkers` workers of authorization checks and one worker of writes (one every
   * `writeEveryMs`), each pausing `pauseMs` between requests so the load stays bounded. Records every
   * failure with its time and every acknowledged write.
   */
  load(orgs: string[], opts: { checkers?: number; pauseMs?: number; writeEveryMs?: number; prefix?: string } = {}) {
    const { checkers = 4, pauseMs = 0, writeEveryMs = 20, prefix = 'rollout' } = opts;
    let running = true;
    let requests = 0;
    const failures: Failure[] = [];
    const acknowledged: { id: string; name: string }[] = [];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const workers = [
      ...Array.from({ length: checkers }, async (_, w) => {
        for (let i = w; running; i++) {
          const r = await this.check(orgs[i % orgs.length]);
          requests++;
          if (!r.ok) failures.push({ at: Date.now(), what: 'authz', status: r.status });
          if (pauseMs) await sleep(pauseMs);
        }
      }),
      (async () => {
        while (running) {
          const name = `${prefix}-${randomUUID().slice(0, 8)}`;
          const r = await this.provision(name);
          requests++;
          if (r.ok) acknowledged.push({ id: r.id!, name });
          else failures.push({ at: Date.now(), what: 'write', status: r.status });
          await sleep(writeEveryMs);
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
}

/**
 * How many of the acknowledged writes (organization names) are missing from the organization's PostgreSQL log,
 * and how many are there more than once.
 */
export async function verifyWrites(postgresUrl: string, names: string[]): Promise<{ lost: string[]; duplicated: string[] }> {
  const db = new Client({ connectionString: postgresUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ name: string; n: number }>(
      `SELECT data->>'name' AS name, count(*)::int AS n FROM organization.events
       WHERE type = 'OrganizationProvisioned' AND data->>'name' = ANY($1::text[]) GROUP BY 1`,
      [names],
    );
    const counts = new Map(rows.map((r) => [r.name, r.n]));
    return { lost: names.filter((n) => !counts.has(n)), duplicated: rows.filter((r) => r.n > 1).map((r) => r.name) };
  } finally {
    await db.end();
  }
}
