import Database from 'better-sqlite3';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent, SqliteEventStore } from '@lib/eventstore';
import { OrganizationEvent, organizationStream } from '../apps/organization/src/organizations/organization.events';
import { OPERATOR_TOKEN } from './support/harness';

jest.setTimeout(600_000);

const ORGS = 3000;
const MEMBERS = 4;
/** identity and app-packaging each record one event per organization event (a profile or a membership) */
const EXPECTED = ORGS * (1 + MEMBERS);

function launch(dataDir: string): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/standalone/src/main.ts'], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', OPERATOR_TOKEN, LOG_LEVEL: 'warn', TS_NODE_PROJECT: 'tsconfig.json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** what a consumer recorded: events, and distinct source events they were caused by */
function recorded(file: string): { events: number; sources: number } {
  if (!existsSync(file)) return { events: 0, sources: 0 };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare<[], { events: number; sources: number }>(
        "SELECT COUNT(*) AS events, COUNT(DISTINCT json_extract(metadata, '$.causationId')) AS sources FROM events WHERE stream NOT LIKE 'snapshot-%'",
      )
      .get()!;
    return row;
  } catch {
    return { events: 0, sources: 0 }; // the table is not created yet
  } finally {
    db.close();
  }
}

describe('SIGKILL during a large catch-up', () => {
  it('restarts and records every organization event exactly once in identity and app-packaging', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ocp-catch-up-kill-'));
    const identityFile = join(dataDir, 'identity', 'events.sqlite');
    const packagingFile = join(dataDir, 'app-packaging', 'events.sqlite');
    let child: ChildProcess | null = null;
    try {
      // a log the stack has never relayed: organizations with their members, written as organization would
      const store = new SqliteEventStore({ filename: join(dataDir, 'organization', 'events.sqlite') });
      for (let i = 0; i < ORGS; i++) {
        const id = `org-us-crash${String(i).padStart(8, '0')}`;
        const events: OrganizationEvent[] = [
          { type: 'OrganizationProvisioned', data: { organizationId: id, name: `Org ${i}`, region: 'us' } },
          ...Array.from({ length: MEMBERS }, (_, k): OrganizationEvent => ({
            type: 'MemberAdded',
            data: { organizationId: id, userId: `usr-crash${(i * 7 + k * 13) % (ORGS * 2)}`, email: `u${i}-${k}@example.com`, role: k === 0 ? 'Admin' : 'Developer', via: k === 0 ? 'provisioning' : 'invitation' },
          })),
        ];
        await store.append(organizationStream(id), events.map((e): NewEvent => ({ type: e.type, data: e.data, metadata: { at: new Date().toISOString(), actor: 'operator' } })));
      }
      await store.close();

      child = launch(dataDir);
      // kill it once identity has recorded part of the backlog
      const deadline = Date.now() + 300_000;
      let atKill = recorded(identityFile);
      while (atKill.events === 0) {
        if (child.exitCode !== null) throw new Error('the stack exited on its own');
        if (Date.now() > deadline) throw new Error('identity recorded nothing in time');
        await new Promise((r) => setTimeout(r, 20));
        atKill = recorded(identityFile);
      }
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      atKill = recorded(identityFile);
      expect(atKill.events).toBeGreaterThan(0);
      expect(atKill.events).toBeLessThan(EXPECTED); // killed in the middle, not after the end

      child = launch(dataDir);
      for (;;) {
        const [identity, packaging] = [recorded(identityFile), recorded(packagingFile)];
        if (identity.events >= EXPECTED && packaging.events >= EXPECTED) break;
        if (child.exitCode !== null) throw new Error('the restarted stack exited');
        if (Date.now() > deadline) throw new Error(`not caught up in time: identity ${identity.events}, app-packaging ${packaging.events} of ${EXPECTED}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // redeliveries after the restart must not add anything: give them time, then count again
      await new Promise((r) => setTimeout(r, 2000));
      expect(recorded(identityFile)).toEqual({ events: EXPECTED, sources: EXPECTED });
      expect(recorded(packagingFile)).toEqual({ events: EXPECTED, sources: EXPECTED });
    } finally {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
