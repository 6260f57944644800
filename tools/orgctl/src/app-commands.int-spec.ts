import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow } from '../../../test/support/flow';
import { eventually, OPERATOR_TOKEN, startApp, TestApp } from '../../../test/support/harness';
import { main } from './orgctl';

jest.setTimeout(120_000);

async function cli(args: string[], env: Record<string, string> = {}, cwd = tmpdir()) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env, cwd });
  return { code, stdout, stderr };
}

describe('orgctl app commands for pipelines', () => {
  let app: TestApp;
  let url: string;
  const work = mkdtempSync(join(tmpdir(), 'orgctl-apps-'));

  beforeAll(async () => {
    app = await startApp();
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.app.getUrl();
  });
  afterAll(async () => app?.close());

  it('exports from one organization, imports with settings (bound and published in one call), upgrades and publishes a version', async () => {
    const flow = new Flow(app);
    await flow.user('a@example.com');
    await flow.user('b@example.com');
    const orgA = (await flow.organization('A', 'a@example.com')).id;
    const orgB = (await flow.organization('B', 'b@example.com')).id;
    const a = await flow.scoped('a@example.com', orgA);
    const b = await flow.scoped('b@example.com', orgB);
    const created = await eventually(async () => {
      const res = await app.request('POST', `/v1/organizations/${orgA}/apps`, { token: a, body: { name: 'Bot', definition: { v: 1 }, requirements: [{ slot: 'crm', kind: 'salesforce' }] } });
      expect(res.status).toBe(201);
      return res.body;
    });
    await eventually(async () => expect((await app.request('POST', `/v1/organizations/${orgB}/integrations`, { token: b, body: { name: 'CRM', kind: 'salesforce' } })).status).toBe(201));

    const usage = await cli(['app-export', orgA, created.id, '--out', 'x.zip', '--url', url]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/ORGCTL_TOKEN/);
    const operator = await cli(['app-export', orgA, created.id, '--out', 'x.zip', '--url', url, '--token', OPERATOR_TOKEN]);
    expect(operator.code).toBe(1);

    const exported = await cli(['app-export', orgA, created.id, '--out', 'bot.zip', '--url', url], { ORGCTL_TOKEN: a }, work);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(work, 'bot.zip')).subarray(0, 2).toString()).toBe('PK');

    writeFileSync(join(work, 'bad.json'), JSON.stringify({ bindings: { crm: { name: 'Nope' } } }));
    const refused = await cli(['app-import', orgB, '--package', 'bot.zip', '--settings', 'bad.json', '--publish', '--url', url], { ORGCTL_TOKEN: b }, work);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/settings-unbindable/);
    expect(refused.stderr).toMatch(/no-such-resource/);

    writeFileSync(join(work, 'settings.json'), JSON.stringify({ bindings: { crm: { name: 'CRM' } }, settings: { greeting: 'hi' } }));
    const imported = await cli(['app-import', orgB, '--package', 'bot.zip', '--settings', 'settings.json', '--publish', '--url', url, '--json'], { ORGCTL_TOKEN: b }, work);
    expect(imported.code).toBe(0);
    const appB = JSON.parse(imported.stdout);
    expect(appB).toMatchObject({ status: 'published', publishedVersion: 1, settings: { greeting: 'hi' }, origin: { verified: true } });

    expect((await app.request('PATCH', `/v1/organizations/${orgA}/apps/${created.id}`, { token: a, body: { definition: { v: 2 } } })).status).toBe(200);
    expect((await cli(['app-export', orgA, created.id, '--out', 'bot-v2.zip', '--url', url], { ORGCTL_TOKEN: a }, work)).code).toBe(0);
    const again = await cli(['app-import', orgB, '--package', 'bot-v2.zip', '--url', url], { ORGCTL_TOKEN: b }, work);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/upgrade-possible/);
    const upgraded = await cli(['app-import', orgB, '--package', 'bot-v2.zip', '--upgrade', '--url', url], { ORGCTL_TOKEN: b }, work);
    expect(upgraded.code).toBe(0);
    expect(upgraded.stdout).toMatch(/upgraded: {2}from version 1/);
    expect(upgraded.stdout).toMatch(/bindings: {2}crm=res-/);

    const published = await cli(['app-publish', orgB, appB.id, '--version', '2', '--url', url], { ORGCTL_TOKEN: b });
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/version: {3}2, published 2/);
  });
});
