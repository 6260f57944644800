import JSZip from 'jszip';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backup, restore } from '../tools/backup/backup';
import { Flow } from './support/flow';
import { eventually, OPERATOR_TOKEN, startApp } from './support/harness';

jest.setTimeout(60_000);

describe('backup and restore of the embedded defaults', () => {
  it('restores into an empty data directory every organization, member and package, taken while running', async () => {
    const app = await startApp();
    const flow = new Flow(app);
    await flow.user('ada@example.com');
    await flow.user('bob@example.com');
    const org = (await flow.organization('Backed Up', 'ada@example.com')).id;
    const ada = await flow.scoped('ada@example.com', org);
    await flow.join(org, ada, 'bob@example.com', 'Developer');
    const appId = await eventually(async () => {
      const res = await app.request('POST', `/v1/organizations/${org}/apps`, { token: ada, body: { name: 'Kept', definition: { v: 1 }, requirements: [] } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    });
    const exported = (await app.request('POST', `/v1/organizations/${org}/apps/${appId}/exports`, { token: ada })).body;

    const backupDir = join(mkdtempSync(join(tmpdir(), 'ocp-backup-')), 'b');
    const report = await backup(app.dataDir, backupDir); // while the app runs
    expect(report.databases.sort()).toEqual(
      expect.arrayContaining(['identity/events.sqlite', 'organization/events.sqlite', 'app-packaging/events.sqlite']),
    );
    // writes after the backup are not in it
    await app.request('POST', `/v1/organizations/${org}/invitations`, { token: ada, body: { email: 'late@example.com', role: 'Agent' } });
    await app.close();

    await expect(backup(join(tmpdir(), 'no-such-dir-xyz'), join(backupDir, 'x'))).rejects.toThrow('no data directory');
    const target = mkdtempSync(join(tmpdir(), 'ocp-restored-'));
    restore(backupDir, target);
    expect(() => restore(backupDir, target)).toThrow('not empty');

    const restored = await startApp({}, target);
    try {
      const orgs = await restored.request('GET', '/v1/organizations', { token: OPERATOR_TOKEN });
      expect(orgs.body.items.map((o: { id: string }) => o.id)).toEqual([org]);
      const token = await new Flow(restored).scoped('bob@example.com', org); // signs in: users and keys are back
      const members = await restored.request('GET', `/v1/organizations/${org}/members`, { token });
      expect(members.body.items.map((m: { email: string; role: string }) => [m.email, m.role]).sort()).toEqual([
        ['ada@example.com', 'Admin'],
        ['bob@example.com', 'Developer'],
      ]);
      const invitations = await restored.request('GET', `/v1/organizations/${org}/invitations`, { token: OPERATOR_TOKEN });
      expect(invitations.body.items).toEqual([expect.objectContaining({ email: 'bob@example.com', status: 'accepted' })]);
      const fastify = restored.app.getHttpAdapter().getInstance();
      const zip = await fastify.inject({ method: 'GET', url: exported.download, headers: { authorization: `Bearer ${token}` } });
      expect(zip.statusCode).toBe(200);
      const manifest = JSON.parse(await (await JSZip.loadAsync(zip.rawPayload)).file('manifest.json')!.async('string'));
      expect(manifest.app.name).toBe('Kept');
    } finally {
      await restored.close();
      rmSync(backupDir, { recursive: true, force: true });
    }
  });
});
