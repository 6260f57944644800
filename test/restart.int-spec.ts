import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, OPERATOR_TOKEN, PASSWORD, startApp } from './support/harness';

jest.setTimeout(120_000);

describe('restart: state comes back from the event logs', () => {
  it('rebuilds users, memberships, roles, invitations and read models after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ocp-restart-'));
    let app = await startApp({}, dataDir);
    const ada = (await app.request('POST', '/v1/users', { body: { email: 'ada@example.com', password: PASSWORD, displayName: 'Ada' } })).body;
    const bob = (await app.request('POST', '/v1/users', { body: { email: 'bob@example.com', password: PASSWORD, displayName: 'Bob' } })).body;
    await app.verifyEmail('ada@example.com');
    await app.verifyEmail('bob@example.com');
    const org = (await app.request('POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name: 'Acme', region: 'us', admin: { email: 'ada@example.com' } } })).body;
    const adaSession = (await app.request('POST', '/v1/sessions', { body: { email: 'ada@example.com', password: PASSWORD } })).body;
    const adaToken = await eventually(async () => {
      const r = await app.request('POST', '/v1/sessions/organization', { token: adaSession.accessToken, body: { organizationId: org.id } });
      expect(r.status).toBe(200);
      return r.body.accessToken;
    });
    const invite = (await app.request('POST', `/v1/organizations/${org.id}/invitations`, { token: adaToken, body: { email: 'bob@example.com', role: 'Agent' } })).body;
    const bobSession = (await app.request('POST', '/v1/sessions', { body: { email: 'bob@example.com', password: PASSWORD } })).body;
    expect((await app.request('POST', `/v1/invitations/${invite.id}/accept`, { token: bobSession.accessToken })).status).toBe(200);
    expect((await app.request('PUT', `/v1/organizations/${org.id}/members/${bob.id}`, { token: adaToken, body: { role: 'Developer' } })).status).toBe(200);
    const pending = (await app.request('POST', `/v1/organizations/${org.id}/invitations`, { token: adaToken, body: { email: 'cy@example.com', role: 'Agent' } })).body;
    await eventually(async () => {
      const me = await app.request('GET', '/v1/me', { token: bobSession.accessToken });
      expect(me.body.organizations).toEqual([expect.objectContaining({ id: org.id, role: 'Developer' })]);
    });
    await app.identity.relay.flush();
    await app.organization.relay.flush();
    const auditBefore = (await app.request('GET', `/v1/organizations/${org.id}/audit?limit=200`, { token: adaToken })).body;
    await app.close({ keepData: true });

    // drop the organization read models too: they are rebuilt from the log
    rmSync(join(dataDir, 'organization', 'read-models.sqlite'), { force: true });
    rmSync(join(dataDir, 'organization', 'read-models.sqlite-wal'), { force: true });
    rmSync(join(dataDir, 'organization', 'read-models.sqlite-shm'), { force: true });

    app = await startApp({}, dataDir);
    try {
      // no waiting: identity's knowledge is in its own log
      const again = (await app.request('POST', '/v1/sessions', { body: { email: 'bob@example.com', password: PASSWORD } })).body;
      expect(again.user.id).toBe(bob.id);
      expect(again.organizations).toEqual([{ id: org.id, name: 'Acme', region: 'us', status: 'active', role: 'Developer' }]);
      const check = await app.request('POST', '/v1/authz/check', { token: OPERATOR_TOKEN, body: { userId: bob.id, organizationId: org.id, permission: 'apps.publish' } });
      expect(check.body).toEqual({ allowed: true, role: 'Developer' });
      // the old access token still verifies: the signing keys persisted
      const audit = await app.request('GET', `/v1/organizations/${org.id}/audit?limit=200`, { token: adaToken });
      expect(audit.status).toBe(200);
      expect(audit.body).toEqual(auditBefore);
      const members = await eventually(async () => {
        const r = await app.request('GET', `/v1/organizations/${org.id}/members`, { token: adaToken });
        expect(r.body.items).toHaveLength(2);
        return r.body.items;
      });
      expect(members.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort()).toEqual(
        [
          [ada.id, 'Admin'],
          [bob.id, 'Developer'],
        ].sort(),
      );
      const cy = await app.request('POST', '/v1/users', { body: { email: 'cy@example.com', password: PASSWORD, displayName: 'Cy' } });
      expect(cy.status).toBe(201);
      await app.verifyEmail('cy@example.com');
      const cySession = (await app.request('POST', '/v1/sessions', { body: { email: 'cy@example.com', password: PASSWORD } })).body;
      const invitations = await eventually(async () => {
        const r = await app.request('GET', '/v1/me/invitations', { token: cySession.accessToken });
        expect(r.body.items).toHaveLength(1);
        return r.body.items;
      });
      expect(invitations[0].invitationId).toBe(pending.id);
      expect((await app.request('POST', `/v1/invitations/${pending.id}/accept`, { token: cySession.accessToken })).status).toBe(200);
      // the relays resumed from their checkpoints: nothing was published twice
      expect(app.bus.retained.get('organization.events.v1.dlq')).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function launch(dataDir: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/standalone/src/main.ts'],
    {
      cwd: join(__dirname, '..'),
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', OPERATOR_TOKEN, TS_NODE_PROJECT: 'tsconfig.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

async function waitReady(base: string, child: ChildProcess) {
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited: ${output}`);
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready in time: ${output}`);
}

describe('SIGKILL in the middle of a stream of writes', () => {
  it('loses no write that was acknowledged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ocp-kill-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let child = launch(dataDir, port);
    try {
      await waitReady(base, child);
      const acknowledged: string[] = [];
      const failures: string[] = [];
      let stop = false;
      const writer = async (n: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const res = await fetch(`${base}/v1/organizations`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
              body: JSON.stringify({ name: `Org ${n}-${i}`, region: 'us', admin: { email: `admin${n}-${i}@example.com` } }),
            });
            if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
            else failures.push(`${res.status} ${await res.text()}`);
          } catch {
            return; // the server is gone
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      const deadline = Date.now() + 30_000;
      while (acknowledged.length < 150 && failures.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(failures).toEqual([]);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await exited;
      expect(acknowledged.length).toBeGreaterThanOrEqual(150);

      child = launch(dataDir, port);
      await waitReady(base, child);
      const headers = { authorization: `Bearer ${OPERATOR_TOKEN}` };
      const missing: string[] = [];
      for (const id of acknowledged) {
        const res = await fetch(`${base}/v1/organizations/${id}`, { headers });
        if (res.status !== 200) missing.push(id);
      }
      expect(missing).toEqual([]);
      // and the read model caught up with every one of them
      const listed = new Set<string>();
      let cursor: string | null = '';
      while (cursor !== null) {
        const res = await fetch(`${base}/v1/organizations?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { headers });
        const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
        page.items.forEach((o) => listed.add(o.id));
        cursor = page.nextCursor;
      }
      expect(acknowledged.filter((id) => !listed.has(id))).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
