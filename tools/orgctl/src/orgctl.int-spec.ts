import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NewEvent, ReadModelDatabase, SqliteEventStore } from '@lib/eventstore';
import { eventually, OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from '../../../test/support/harness';
import { organizationStream } from '../../../apps/organization/src';
import { main, OrgctlIo } from './orgctl';

jest.setTimeout(120_000);

const BIN = join(__dirname, '..', 'bin', 'orgctl.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** runs the CLI in-process with captured streams (non-TTY unless asked) */
async function cli(args: string[], io: Partial<OrgctlIo> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
    cwd: tmpdir(),
    ...io,
  });
  return { code, stdout, stderr };
}

/** a port nothing listens on */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function listen(app: TestApp): Promise<string> {
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  return app.app.getUrl();
}

const count = (file: string, sql: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('orgctl against a running stack', () => {
  let app: TestApp;
  let url: string;
  let adaId: string;
  const op = (args: string[], io: Partial<OrgctlIo> = {}) => cli([...args, '--url', url, '--token', OPERATOR_TOKEN], io);

  beforeAll(async () => {
    app = await startApp();
    url = await listen(app);
    const ada = await app.request('POST', '/v1/users', { body: { email: 'ada@example.com', password: PASSWORD, displayName: 'Ada' } });
    expect(ada.status).toBe(201);
    adaId = ada.body.id;
    await app.verifyEmail('ada@example.com');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('provisions an organization, human-readable and as JSON', async () => {
    const human = await op(['provision', '--name', 'Acme', '--region', 'us', '--admin-email', 'ada@example.com']);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(/^provisioned org-us-[0-9a-z]{26} "Acme" in region us\n/);
    expect(human.stdout).toContain(`ada@example.com is its Admin (${adaId})`);

    const json = await op(['provision', '--name', 'Beta', '--region', 'us', '--admin-email', 'dave@example.com', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'Beta', region: 'us', status: 'active', admin: { status: 'invited', email: 'dave@example.com' } });
  });

  it('refuses another region with exit 1, printing the detail that names the region', async () => {
    const res = await op(['provision', '--name', 'Euro', '--region', 'eu', '--admin-email', 'ada@example.com']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('wrong region (HTTP 422)');
    expect(res.stderr).toContain('provision organizations of region eu on the eu stack');

    const elsewhere = await op(['show', `org-eu-${'0'.repeat(26)}`]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('wrong region (HTTP 421)');
    expect(elsewhere.stderr).toContain('lives in region eu');

    const json = await op(['provision', '--name', 'Euro', '--region', 'eu', '--admin-email', 'ada@example.com', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error).toMatchObject({ exitCode: 1, status: 422, problem: { code: 'wrong-region', region: 'us' } });
  });

  it('says the operator token was refused (exit 1)', async () => {
    const res = await cli(['list', '--url', url, '--token', 'not-the-operator-token-0123456789-abcdef']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the operator token was refused (HTTP 401');
  });

  it('finds the token in --token-file, OPERATOR_TOKEN or DATA_DIR/operator-token, and says when there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-token-'));
    try {
      writeFileSync(join(dir, 'token'), `${OPERATOR_TOKEN}\n`);
      expect((await cli(['list', '--url', url, '--token-file', 'token'], { cwd: dir })).code).toBe(0);
      expect((await cli(['list', '--url', url], { env: { OPERATOR_TOKEN } })).code).toBe(0);
      writeFileSync(join(dir, 'operator-token'), `${OPERATOR_TOKEN}\n`, { mode: 0o600 }); // as a stack generates it
      expect((await cli(['list'], { env: { ORGCTL_URL: url, DATA_DIR: dir } })).code).toBe(0);
      expect((await cli(['list'], { env: { ORGCTL_URL: url, DATA_DIR: '.' }, cwd: dir })).code).toBe(0);
      rmSync(join(dir, 'operator-token'));
      const none = await cli(['list', '--url', url], { cwd: dir });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('no operator token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the stack cannot be reached (exit 3): a closed port, and a server that never answers', async () => {
    const port = await closedPort();
    const refused = await cli(['list', '--url', `http://127.0.0.1:${port}`, '--token', OPERATOR_TOKEN]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`cannot reach the stack at http://127.0.0.1:${port}: connect ECONNREFUSED`);

    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { port: silentPort } = silent.address() as { port: number };
      const timedOut = await cli(['show', `org-us-${'0'.repeat(26)}`, '--url', `http://127.0.0.1:${silentPort}`, '--token', OPERATOR_TOKEN, '--timeout', '300']);
      expect(timedOut.code).toBe(3);
      expect(timedOut.stderr).toContain('no answer within 300 ms');
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });

  it('lists (following cursors), shows, suspends and reactivates', async () => {
    const made: string[] = [];
    for (const name of ['Gamma', 'Delta', 'Epsilon']) {
      const r = await op(['provision', '--name', name, '--region', 'us', '--admin-email', 'ada@example.com', '--json']);
      made.push(JSON.parse(r.stdout).id);
    }
    const all = await op(['list', '--json']);
    expect(all.code).toBe(0);
    const ids = (JSON.parse(all.stdout) as { id: string }[]).map((o) => o.id);
    expect(ids).toEqual(expect.arrayContaining(made));
    expect(ids).toEqual([...ids].sort());

    const paged = await op(['list', '--json', '--page-size', '2']);
    expect((JSON.parse(paged.stdout) as { id: string }[]).map((o) => o.id)).toEqual(ids);
    const capped = await op(['list', '--json', '--page-size', '2', '--limit', '3']);
    expect((JSON.parse(capped.stdout) as { id: string }[]).map((o) => o.id)).toEqual(ids.slice(0, 3));

    const table = await op(['list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+REGION\s+STATUS\s+MEMBERS\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`${made[0]}\\s+Gamma\\s+us\\s+active\\s+1\\s+\\d{4}-`));

    const shown = await op(['show', made[1]]);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toContain(`id:      ${made[1]}\nname:    Delta\nregion:  us\nstatus:  active\nmembers: 1`);

    const suspended = await op(['suspend', made[1], '--reason', 'billing']);
    expect(suspended).toMatchObject({ code: 0, stdout: `suspended ${made[1]} "Delta": status suspended\n` });
    expect(JSON.parse((await op(['show', made[1], '--json'])).stdout)).toMatchObject({ status: 'suspended' });
    const reactivated = await op(['reactivate', made[1], '--json']);
    expect(JSON.parse(reactivated.stdout)).toMatchObject({ id: made[1], status: 'active' });

    const missing = await op(['show', `org-us-${'0'.repeat(26)}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HTTP 404 Not Found, organization-not-found');
  });

  it('refuses bad usage with exit 2', async () => {
    expect((await op(['provision', '--name', 'X', '--region', 'us'])).stderr).toContain('--admin-email is required');
    expect((await op(['provision', '--name', 'X', '--region', 'us'])).code).toBe(2);
    expect((await op(['show'])).code).toBe(2);
    expect((await op(['list', '--limit', 'many'])).code).toBe(2);
    expect((await op(['audit-export', 'org-us-x', '--from', 'yesterday', '--to', '2025-01-01'])).stderr).toContain('--from must be an ISO 8601');
    expect((await cli(['nope'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli(['rebuild', '--service', 'identity', '--data-dir', tmpdir()])).code).toBe(2);
  });

  it('exports the audit entries of [from, to) as JSON Lines, oldest first, and stops paging past --from', async () => {
    const pause = () => new Promise((r) => setTimeout(r, 15));
    const id = JSON.parse((await op(['provision', '--name', 'Audited', '--region', 'us', '--admin-email', 'ada@example.com', '--json'])).stdout).id;
    for (let i = 0; i < 3; i++) {
      await pause();
      expect((await op(['suspend', id, '--reason', `r${i}`])).code).toBe(0);
      await pause();
      expect((await op(['reactivate', id])).code).toBe(0);
    }
    const audit = await app.request('GET', `/v1/organizations/${id}/audit?limit=200`, { token: OPERATOR_TOKEN });
    const newestFirst = audit.body.items as { at: string; action: string; revision: number }[];
    const suspensions = newestFirst.filter((e) => e.action === 'organization.suspended').reverse(); // oldest first
    expect(suspensions).toHaveLength(3);

    // from the first suspension (included) to the third (excluded): suspended, reactivated, suspended, reactivated
    const out = join(mkdtempSync(join(tmpdir(), 'orgctl-audit-')), 'audit.jsonl');
    const res = await op(['audit-export', id, '--from', suspensions[0].at, '--to', suspensions[2].at, '--out', out, '--page-size', '1']);
    expect(res.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.action)).toEqual(['organization.suspended', 'organization.reactivated', 'organization.suspended', 'organization.reactivated']);
    expect(lines.map((e) => e.details.reason).filter(Boolean)).toEqual(['r0', 'r1']);
    expect(lines.map((e) => e.revision)).toEqual([...lines.map((e) => e.revision)].sort((a, b) => a - b));
    for (const e of lines) expect(Object.keys(e).sort()).toEqual(['action', 'actor', 'at', 'details', 'revision', 'subject']);
    // newest first, one per page: paging stopped at the first entry older than --from, never reaching provisioning
    const olderThanFrom = newestFirst.filter((e) => Date.parse(e.at) < Date.parse(suspensions[0].at)).length;
    expect(olderThanFrom).toBeGreaterThan(1);
    const pages = Number(/\((\d+) pages?,/.exec(res.stdout)![1]);
    expect(pages).toBe(newestFirst.length - olderThanFrom + 1);
    expect(res.stdout).toContain(`exported 4 audit entries of ${id}`);

    // to stdout: only the JSON Lines there, the summary on stderr
    const toStdout = await op(['audit-export', id, '--from', '2000-01-01', '--to', '2999-01-01']);
    expect(toStdout.code).toBe(0);
    const all = toStdout.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(all.map((e) => e.revision)).toEqual([...newestFirst].reverse().map((e) => e.revision));
    expect(toStdout.stderr).toContain(`exported ${all.length} audit entries`);

    const empty = await op(['audit-export', id, '--from', '2000-01-01', '--to', '2000-01-02']);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
  });

  it('refuses to rebuild while the stack has the read models open', async () => {
    const res = await cli(['rebuild', '--service', 'organization', '--data-dir', app.dataDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('is in use: stop the organization service');
    // and the running stack is unaffected
    expect((await op(['list'])).code).toBe(0);
  });
});

describe('orgctl rebuild (offline)', () => {
  async function stackWithData() {
    const app = await startApp();
    const url = await listen(app);
    const op = (args: string[]) => cli([...args, '--url', url, '--token', OPERATOR_TOKEN]);
    const users: string[] = [];
    for (const email of ['ada@example.com', 'bob@example.com', 'cy@example.com']) {
      const r = await app.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName: email } });
      users.push(r.body.id);
      await app.verifyEmail(email);
    }
    await app.identity.relay.flush();
    const orgs: string[] = [];
    for (const [i, email] of ['ada@example.com', 'bob@example.com', 'cy@example.com'].entries()) {
      const r = await op(['provision', '--name', `Org ${i}`, '--region', 'us', '--admin-email', email, '--json']);
      expect(r.code).toBe(0);
      orgs.push(JSON.parse(r.stdout).id);
    }
    expect((await op(['suspend', orgs[2]])).code).toBe(0);
    await app.organization.relay.flush();
    await app.close({ keepData: true });
    return { dataDir: app.dataDir, orgs, users };
  }

  /** the read models as a broken projection could leave them */
  function damage(dataDir: string) {
    const db = new Database(join(dataDir, 'organization', 'read-models.sqlite'));
    db.exec("DELETE FROM org_members; UPDATE org_organizations SET member_count = 0, status = 'active'");
    db.close();
  }

  async function expectServedAgain(dataDir: string, orgs: string[], users: string[]) {
    const app = await startApp({}, dataDir);
    try {
      const url = await listen(app);
      const list = await cli(['list', '--json', '--url', url, '--token', OPERATOR_TOKEN]);
      expect(JSON.parse(list.stdout)).toEqual(
        [...orgs].sort().map((id) => expect.objectContaining({ id, memberCount: 1, status: id === orgs[2] ? 'suspended' : 'active' })),
      );
      for (const [i, id] of orgs.entries()) {
        const members = await eventually(async () => {
          const r = await app.request('GET', `/v1/organizations/${id}/members`, { token: OPERATOR_TOKEN });
          expect(r.status).toBe(200);
          expect(r.body.items).toHaveLength(1);
          return r.body.items;
        });
        expect(members).toEqual([expect.objectContaining({ userId: users[i], role: 'Admin' })]);
      }
    } finally {
      await app.close();
    }
  }

  it('rebuilds a stopped standalone\'s read models, and the restarted stack serves them', async () => {
    const { dataDir, orgs, users } = await stackWithData();
    damage(dataDir);
    const res = await cli(['rebuild', '--service', 'organization', '--data-dir', dataDir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /^rebuilt the organization read models \(organizations, members, invitations\) in .+: \d+ events in [\d.]+ s \([\d,]+ events\/s\), checkpoint at position \d+\n$/,
    );
    expect(res.stderr).toMatch(/rebuilding the organization read models in .* from \d+ events\n/);
    expect(count(join(dataDir, 'organization', 'read-models.sqlite'), 'SELECT COUNT(*) AS n FROM org_members')).toBe(3);

    const packaging = await cli(['rebuild', '--service', 'app-packaging', '--data-dir', dataDir, '--json']);
    expect(packaging.code).toBe(0);
    expect(JSON.parse(packaging.stdout)).toMatchObject({ service: 'app-packaging', projections: ['apps'] });

    await expectServedAgain(dataDir, orgs, users);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('draws a progress bar in place on a TTY', async () => {
    const { dataDir } = await stackWithData();
    let t = 0;
    let written = '';
    const res = await cli(['rebuild', '--service', 'organization', '--data-dir', dataDir, '--batch-size', '2'], {
      stderr: { write: (s: string) => (written += s), isTTY: true, columns: 120 },
      now: () => (t += 50),
    });
    expect(res.code).toBe(0);
    const frames = written.split('\r').filter(Boolean);
    expect(frames.length).toBeGreaterThan(3);
    // the last frame ends with the terminal's erase-line escape (ESC [K): a control character is what this checks
    // eslint-disable-next-line no-control-regex
    expect(frames[frames.length - 1]).toMatch(/^rebuild organization \[={24}\] 100% (\d+)\/\1 events, [\d,]+ events\/s, 0:00 left\u001b\[K\n$/u);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an interrupted rebuild leaves consistent read models, and a rerun completes it', async () => {
    const { dataDir, orgs, users } = await stackWithData();
    damage(dataDir);
    // interrupted after two batches of 3 events (what SIGINT does in the real process: see the next test)
    let checks = 0;
    const signal = { get aborted() { return ++checks > 2; } } as AbortSignal;
    const interrupted = await cli(['rebuild', '--service', 'organization', '--data-dir', dataDir, '--batch-size', '3'], { signal });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('interrupted: run again to finish (6 of ');
    const readModels = new ReadModelDatabase(join(dataDir, 'organization', 'read-models.sqlite'));
    const events = new SqliteEventStore({ filename: join(dataDir, 'organization', 'events.sqlite') });
    try {
      const checkpoint = readModels.checkpoint('projection:organizations')!.position;
      expect(checkpoint).toBeGreaterThan(0);
      expect(checkpoint).toBeLessThan(await events.headPosition());
      // exactly what the log holds up to the checkpoint: nothing half-applied
      const upTo = await events.readAll({ after: 0, maxCount: checkpoint });
      const provisioned = upTo.filter((e) => e.position <= checkpoint && e.type === 'OrganizationProvisioned').length;
      expect((readModels.db.prepare('SELECT COUNT(*) AS n FROM org_organizations').get() as { n: number }).n).toBe(provisioned);
    } finally {
      readModels.close();
      await events.close();
    }

    const rerun = await cli(['rebuild', '--service', 'organization', '--data-dir', dataDir]);
    expect(rerun.code).toBe(0);
    await expectServedAgain(dataDir, orgs, users);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a data directory without the service\'s event store, creating nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-empty-'));
    try {
      const res = await cli(['rebuild', '--service', 'organization', '--data-dir', dir]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`no organization event store at ${join(dir, 'organization', 'events.sqlite')}`);
      expect(existsSync(join(dir, 'organization'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the real process (bin/orgctl.js, run from another directory) stops cleanly on SIGINT; a rerun completes', async () => {
    // a log long enough to be interrupted mid-way: 2,000 organizations of 100 events
    const dataDir = mkdtempSync(join(tmpdir(), 'orgctl-sigint-'));
    const eventsFile = join(dataDir, 'organization', 'events.sqlite');
    const store = new SqliteEventStore({ filename: eventsFile });
    const ORGS = 2000;
    for (let i = 0; i < ORGS; i++) {
      const organizationId = `org-us-${String(i).padStart(26, '0')}`;
      const userId = `usr-${i}`;
      const metadata = { at: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(), actor: 'operator' };
      const batch: NewEvent[] = [
        { type: 'OrganizationProvisioned', data: { organizationId, name: `Org ${i}`, region: 'us' }, metadata },
        { type: 'MemberAdded', data: { organizationId, userId, email: `u${i}@example.com`, role: 'Admin', via: 'provisioning' }, metadata },
      ];
      for (let k = 0; k < 98; k++) {
        const [from, to] = k % 2 === 0 ? ['Admin', 'Developer'] : ['Developer', 'Admin'];
        batch.push({ type: 'MemberRoleChanged', data: { organizationId, userId, from, to }, metadata });
      }
      await store.append(organizationStream(organizationId), batch);
    }
    await store.close();

    const child = spawn(process.execPath, [BIN, 'rebuild', '--service', 'organization', '--data-dir', dataDir, '--batch-size', '100'], {
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    let signalled = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!signalled && stderr.includes('rebuilding the organization read models')) signalled = child.kill('SIGINT');
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    expect({ code, signal, stdout }).toEqual({ code: 130, signal: null, stdout: '' });
    expect(stderr).toContain(`from ${ORGS * 100} events`);
    expect(stderr).toContain('orgctl rebuild: interrupted: run again to finish');

    const readModelsFile = join(dataDir, 'organization', 'read-models.sqlite');
    const partial = count(readModelsFile, "SELECT position AS n FROM checkpoints WHERE name = 'projection:members'");
    expect(partial).toBeLessThan(ORGS * 100);
    // consistent with the checkpoint: organization i was provisioned at position 100 i + 1
    expect(count(readModelsFile, 'SELECT COUNT(*) AS n FROM org_organizations')).toBe(Math.floor((partial - 1) / 100) + 1);

    const rerun = await cli(['rebuild', '--service', 'organization', '--data-dir', dataDir, '--json']);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ events: ORGS * 100, position: ORGS * 100 });
    expect(count(readModelsFile, 'SELECT COUNT(*) AS n FROM org_organizations')).toBe(ORGS);
    expect(count(readModelsFile, "SELECT COUNT(*) AS n FROM org_members WHERE role = 'Admin'")).toBe(ORGS);
    expect(count(readModelsFile, 'SELECT SUM(member_count) AS n FROM org_organizations')).toBe(ORGS);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
