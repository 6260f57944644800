import JSZip from 'jszip';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../apps/app-packaging/src/packages/package-format';
import { Flow } from './support/flow';
import { eventually, startApp, TestApp } from './support/harness';

jest.setTimeout(60_000);

const zipUpload = (app: TestApp, org: string, token: string, zip: Buffer, query = '') =>
  app.request('POST', `/v1/organizations/${org}/apps/imports${query}`, {
    token,
    raw: zip as unknown as string,
    headers: { 'content-type': 'application/zip' },
  });

describe('apps: export from one organization, import, bind and publish in another', () => {
  let app: TestApp;
  let flow: Flow;
  let orgA: string, orgB: string;
  let ada: string, bob: string, agentB: string, devB: string;
  let appA: string;
  let crmA: string, smsA: string, crmB: string, otherCrmB: string, smsB: string;
  let zip: Buffer;
  const dataDir = mkdtempSync(join(tmpdir(), 'ocp-pkg-'));

  const resource = async (org: string, token: string, path: string, body: unknown) => {
    const res = await app.request('POST', `/v1/organizations/${org}/${path}`, { token, body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    app = await startApp({}, dataDir);
    flow = new Flow(app);
    for (const email of ['ada@example.com', 'bob@example.com', 'carl@example.com', 'dee@example.com']) await flow.user(email);
    orgA = (await flow.organization('Acme', 'ada@example.com')).id;
    orgB = (await flow.organization('Beta', 'bob@example.com')).id;
    ada = await flow.scoped('ada@example.com', orgA);
    bob = await flow.scoped('bob@example.com', orgB);
    agentB = await flow.join(orgB, bob, 'carl@example.com', 'Agent');
    devB = await flow.join(orgB, bob, 'dee@example.com', 'Developer');
    crmA = await resource(orgA, ada, 'integrations', { name: 'CRM', kind: 'salesforce', config: { instanceUrl: 'https://acme.example' }, secret: 'acme-secret-value' });
    smsA = await resource(orgA, ada, 'phone-numbers', { number: '+14155550100', provider: 'twilio', capabilities: ['sms'] });
    crmB = await resource(orgB, bob, 'integrations', { name: 'CRM', kind: 'salesforce' });
    otherCrmB = await resource(orgB, bob, 'integrations', { name: 'Another CRM', kind: 'salesforce' });
    smsB = await resource(orgB, bob, 'phone-numbers', { number: '+442071838750', provider: 'twilio', capabilities: ['sms', 'voice'] });
  });
  afterAll(async () => app?.close());

  it('creates, binds and publishes an app in organization A', async () => {
    const created = await eventually(async () => {
      const res = await app.request('POST', `/v1/organizations/${orgA}/apps`, {
        token: ada,
        body: {
          name: 'Support Bot',
          definition: { pages: [{ title: 'Home' }], flows: ['greet'] },
          requirements: [
            { slot: 'crm', kind: 'salesforce' },
            { slot: 'sms-line', kind: 'phone-number' },
          ],
        },
      });
      expect(res.status).toBe(201);
      return res.body;
    });
    appA = created.id;
    expect(created).toMatchObject({ version: 1, status: 'needs-configuration', bindings: {} });
    const early = await app.request('POST', `/v1/organizations/${orgA}/apps/${appA}/publish`, { token: ada });
    expect(early.status).toBe(409);
    expect(early.body.slots.map((s: { slot: string }) => s.slot)).toEqual(['crm', 'sms-line']);
    await eventually(async () => {
      const bound = await app.request('PUT', `/v1/organizations/${orgA}/apps/${appA}/bindings/crm`, { token: ada, body: { resourceId: crmA } });
      expect(bound.status).toBe(200);
    });
    const wrongKind = await app.request('PUT', `/v1/organizations/${orgA}/apps/${appA}/bindings/sms-line`, { token: ada, body: { resourceId: crmA } });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.code).toBe('kind-mismatch');
    const otherOrg = await app.request('PUT', `/v1/organizations/${orgA}/apps/${appA}/bindings/sms-line`, { token: ada, body: { resourceId: smsB } });
    expect(otherOrg.status).toBe(422);
    expect(otherOrg.body.code).toBe('resource-not-found');
    const noSlot = await app.request('PUT', `/v1/organizations/${orgA}/apps/${appA}/bindings/fax`, { token: ada, body: { resourceId: smsA } });
    expect(noSlot.status).toBe(422);
    expect(noSlot.body.code).toBe('unknown-slot');
    await eventually(async () => {
      const r = await app.request('PUT', `/v1/organizations/${orgA}/apps/${appA}/bindings/sms-line`, { token: ada, body: { resourceId: smsA } });
      expect(r.status).toBe(200);
    });
    const updated = await app.request('PATCH', `/v1/organizations/${orgA}/apps/${appA}`, { token: ada, body: { definition: { pages: [{ title: 'Home v2' }] } } });
    expect(updated.body).toMatchObject({ version: 2, status: 'ready' });
    const published = await app.request('POST', `/v1/organizations/${orgA}/apps/${appA}/publish`, { token: ada });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', publishedVersion: 2 });
  });

  it('exports a ZIP holding the manifest and the definition, and nothing of the organization\'s resources', async () => {
    const exported = await app.request('POST', `/v1/organizations/${orgA}/apps/${appA}/exports`, { token: ada });
    expect(exported.status).toBe(201);
    expect(exported.body).toMatchObject({ version: 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const download = await app.request('GET', exported.body.download, { token: ada });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    const res = await app.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: exported.body.download, headers: { authorization: `Bearer ${ada}` } });
    zip = res.rawPayload;
    expect(zip.length).toBe(exported.body.size);
    const archive = await JSZip.loadAsync(zip);
    const names = Object.keys(archive.files).filter((n) => !archive.files[n].dir);
    expect(names.sort()).toEqual(['definition.json', 'manifest.json', 'signature.jws']);
    const manifest = JSON.parse(await archive.file('manifest.json')!.async('string'));
    expect(manifest).toMatchObject({
      formatVersion: 1,
      app: { name: 'Support Bot', version: 2 },
      source: { organizationId: orgA, organizationName: 'Acme', region: 'us' },
      requirements: [
        { slot: 'crm', kind: 'salesforce', hint: { name: 'CRM', kind: 'salesforce' } },
        { slot: 'sms-line', kind: 'phone-number', hint: { name: '+14155550100', kind: 'phone-number' } },
      ],
    });
    const everything = (await Promise.all(names.map((n) => archive.file(n)!.async('string')))).join('\n');
    for (const forbidden of [crmA, smsA, 'res-', 'acme-secret-value', 'instanceUrl', 'bindings']) expect(everything).not.toContain(forbidden);
  });

  it('lets a Developer import (an Agent cannot); the app needs configuration and has a binding plan', async () => {
    const denied = await zipUpload(app, orgB, agentB, zip);
    expect(denied.status).toBe(403);
    const imported = await eventually(async () => {
      const res = await zipUpload(app, orgB, devB, zip);
      expect(res.status).toBe(201);
      return res.body;
    });
    expect(imported).toMatchObject({
      organizationId: orgB,
      name: 'Support Bot',
      status: 'needs-configuration',
      bindings: {},
      origin: { sourceOrganizationId: orgA, sourceRegion: 'us', sourceVersion: 2, crossRegion: false },
    });
    expect(imported.bindingPlan).toEqual([
      {
        slot: 'crm',
        kind: 'salesforce',
        hint: { name: 'CRM', kind: 'salesforce' },
        candidates: [
          { resourceId: crmB, name: 'CRM', match: 'same-name' },
          { resourceId: otherCrmB, name: 'Another CRM', match: 'same-kind' },
        ],
      },
      { slot: 'sms-line', kind: 'phone-number', hint: { name: '+14155550100', kind: 'phone-number' }, candidates: [{ resourceId: smsB, name: '+442071838750', match: 'same-kind' }] },
    ]);
    const appB = imported.id;
    const refused = await app.request('POST', `/v1/organizations/${orgB}/apps/${appB}/publish`, { token: devB });
    expect(refused.status).toBe(409);
    expect(refused.body.slots).toEqual([
      { slot: 'crm', kind: 'salesforce', problem: 'unbound' },
      { slot: 'sms-line', kind: 'phone-number', problem: 'unbound' },
    ]);
    const bound = await app.request('PUT', `/v1/organizations/${orgB}/apps/${appB}/bindings`, { token: devB, body: { useSuggestions: true } });
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ status: 'ready', bindings: { crm: crmB, 'sms-line': smsB } });
    const published = await app.request('POST', `/v1/organizations/${orgB}/apps/${appB}/publish`, { token: devB });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('published');

    // disabling a bound resource sends the app back to "needs configuration"
    expect((await app.request('POST', `/v1/organizations/${orgB}/integrations/${crmB}/disable`, { token: bob })).status).toBe(200);
    await eventually(async () => {
      const r = await app.request('GET', `/v1/organizations/${orgB}/apps/${appB}`, { token: devB });
      expect(r.body.status).toBe('needs-configuration');
      expect(r.body.bindings).toEqual({ 'sms-line': smsB });
    });
    const again = await app.request('POST', `/v1/organizations/${orgB}/apps/${appB}/publish`, { token: devB });
    expect(again.status).toBe(409);
    expect(again.body.slots).toEqual([{ slot: 'crm', kind: 'salesforce', problem: 'unbound' }]);
    const disabled = await app.request('PUT', `/v1/organizations/${orgB}/apps/${appB}/bindings/crm`, { token: devB, body: { resourceId: crmB } });
    expect(disabled.status).toBe(422);
    expect(disabled.body.code).toBe('resource-disabled');
    // the audit of the app's organization is untouched by app-packaging; its own log has the unbinding
    expect((await app.request('PUT', `/v1/organizations/${orgB}/apps/${appB}/bindings/crm`, { token: devB, body: { resourceId: otherCrmB } })).status).toBe(200);
    expect((await app.request('POST', `/v1/organizations/${orgB}/apps/${appB}/publish`, { token: devB })).status).toBe(200);
  });

  it('imports a package from another region only when asked to explicitly, and records where it came from', async () => {
    const foreign = await buildPackage({
      manifest: {
        app: { name: 'Euro App', version: 3 },
        exportedAt: '2026-11-01T10:00:00.000Z',
        exportedBy: 'usr-someone',
        source: { organizationId: 'org-eu-01m8mmaaaaaaaaaaaaaaaaaaaa', organizationName: 'Euro', region: 'eu' },
        requirements: [{ slot: 'crm', kind: 'salesforce', hint: { name: 'Another CRM', kind: 'salesforce' } }],
      },
      definition: { pages: [] },
    });
    const refused = await zipUpload(app, orgB, devB, foreign, '?allowUnsigned=true');
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'cross-region-not-acknowledged', sourceRegion: 'eu' });
    const accepted = await zipUpload(app, orgB, devB, foreign, '?acknowledgeCrossRegion=true&allowUnsigned=true');
    expect(accepted.status).toBe(201);
    expect(accepted.body.origin).toMatchObject({ sourceRegion: 'eu', crossRegion: true, sourceOrganizationName: 'Euro', verified: false });
    expect(accepted.body.bindingPlan[0].candidates[0]).toEqual({ resourceId: otherCrmB, name: 'Another CRM', match: 'same-name' });
  });

  it('refuses hostile uploads with problem details and creates nothing', async () => {
    const before = (await app.request('GET', `/v1/organizations/${orgB}/apps`, { token: devB })).body.items.length;
    const notZip = await zipUpload(app, orgB, devB, Buffer.from('this is not a zip file at all'));
    expect(notZip.status).toBe(400);
    expect(notZip.body.code).toBe('not-a-zip');
    const truncated = await zipUpload(app, orgB, devB, zip.subarray(0, Math.floor(zip.length / 2)));
    expect(truncated.status).toBe(400);
    const asJson = await app.request('POST', `/v1/organizations/${orgB}/apps/imports`, { token: devB, body: { zip: 'base64' } });
    expect(asJson.status).toBe(415);
    const tampered = await JSZip.loadAsync(zip);
    tampered.file('definition.json', '{"pages":[{"title":"evil"}]}');
    const mismatch = await zipUpload(app, orgB, devB, await tampered.generateAsync({ type: 'nodebuffer' }));
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('checksum-mismatch');
    expect((await app.request('GET', `/v1/organizations/${orgB}/apps`, { token: devB })).body.items.length).toBe(before);
  });

  it('keeps a binding plan across a restart, so it can be completed later', async () => {
    const other = await buildPackage({
      manifest: {
        app: { name: 'Other Bot', version: 1, key: 'other-bot' },
        exportedAt: '2026-11-01T10:00:00.000Z',
        exportedBy: 'usr-someone',
        source: { organizationId: orgA, organizationName: 'Acme', region: 'us' },
        requirements: [
          { slot: 'crm', kind: 'salesforce', hint: { name: 'CRM', kind: 'salesforce' } },
          { slot: 'sms-line', kind: 'phone-number' },
        ],
      },
      definition: { pages: [] },
    });
    const imported = (await zipUpload(app, orgB, devB, other, '?allowUnsigned=true')).body;
    expect((await app.request('PUT', `/v1/organizations/${orgB}/apps/${imported.id}/bindings/sms-line`, { token: devB, body: { resourceId: smsB } })).status).toBe(200);
    await app.close({ keepData: true });
    app = await startApp({}, dataDir);
    const after = await app.request('GET', `/v1/organizations/${orgB}/apps/${imported.id}`, { token: devB });
    expect(after.status).toBe(200);
    expect(after.body.bindingPlan).toEqual(imported.bindingPlan);
    expect(after.body.bindings).toEqual({ 'sms-line': smsB });
    expect(after.body.status).toBe('needs-configuration');
    expect((await app.request('PUT', `/v1/organizations/${orgB}/apps/${imported.id}/bindings/crm`, { token: devB, body: { resourceId: otherCrmB } })).status).toBe(200);
    expect((await app.request('POST', `/v1/organizations/${orgB}/apps/${imported.id}/publish`, { token: devB })).status).toBe(200);
  });
});

describe('package size limit', () => {
  it('refuses a package larger than PACKAGE_MAX_BYTES with 413', async () => {
    const app = await startApp({ PACKAGE_MAX_BYTES: '2048' });
    try {
      const flow = new Flow(app);
      await flow.user('solo@example.com');
      const org = (await flow.organization('Solo', 'solo@example.com')).id;
      const token = await flow.scoped('solo@example.com', org);
      const res = await eventually(async () => {
        const r = await zipUpload(app, org, token, Buffer.alloc(4096, 1));
        expect(r.status).not.toBe(403);
        return r;
      });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toContain('application/problem+json');
    } finally {
      await app.close();
    }
  });
});
