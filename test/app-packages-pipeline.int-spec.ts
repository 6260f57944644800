import JSZip from 'jszip';
import { buildPackage } from '../apps/app-packaging/src/packages/package-format';
import { PackageSigner } from '../apps/app-packaging/src/packages/package-signing';
import { Flow } from './support/flow';
import { eventually, startApp, TestApp } from './support/harness';

jest.setTimeout(90_000);

/**
 * Packages fit for deployment pipelines: suggestions that follow the organization, upgrades and versions,
 * deployment settings at import, signed origin, and the API's input rules applied to imports.
 */
describe('app packages in a deployment pipeline', () => {
  let app: TestApp;
  let flow: Flow;
  let dev: string, test: string;
  let devAdmin: string, testAdmin: string;
  const eu = PackageSigner.generate('eu');

  const upload = (org: string, token: string, zip: Buffer, query = '', headers: Record<string, string> = {}) =>
    app.request('POST', `/v1/organizations/${org}/apps/imports${query}`, {
      token,
      raw: zip as unknown as string,
      headers: { 'content-type': 'application/zip', ...headers },
    });
  const resource = async (org: string, token: string, path: string, body: unknown) => {
    const res = await app.request('POST', `/v1/organizations/${org}/${path}`, { token, body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const exportZip = async (org: string, token: string, appId: string) => {
    const exported = await app.request('POST', `/v1/organizations/${org}/apps/${appId}/exports`, { token });
    expect(exported.status).toBe(201);
    const res = await app.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: exported.body.download, headers: { authorization: `Bearer ${token}` } });
    return res.rawPayload;
  };
  const count = async (org: string, token: string) => (await app.request('GET', `/v1/organizations/${org}/apps`, { token })).body.items.length as number;

  beforeAll(async () => {
    app = await startApp({ PACKAGE_TRUSTED_KEYS: JSON.stringify({ keys: [eu.publicJwk()] }) });
    flow = new Flow(app);
    await flow.user('dev@example.com');
    await flow.user('test@example.com');
    dev = (await flow.organization('Dev', 'dev@example.com')).id;
    test = (await flow.organization('Test', 'test@example.com')).id;
    devAdmin = await flow.scoped('dev@example.com', dev);
    testAdmin = await flow.scoped('test@example.com', test);
  });
  afterAll(async () => app?.close());

  let source: string;
  let v1: Buffer;
  it('publishes the package signing key like a JWKS', async () => {
    const res = await app.request('GET', '/.well-known/package-signing-keys.json');
    expect(res.status).toBe(200);
    expect(res.body.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', region: 'us', kid: expect.any(String) })]);
    expect(res.body.keys[0].d).toBeUndefined();
  });

  it('refuses by the same rules through the API and through an import', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 80; i++) deep = { d: deep };
    const created = await eventually(async () => {
      const res = await app.request('POST', `/v1/organizations/${dev}/apps`, { token: devAdmin, body: { name: 'Deep', definition: { deep }, requirements: [] } });
      expect(res.status).not.toBe(403);
      return res;
    });
    // over HTTP the body is refused by the JSON parser's hygiene before any rule runs (400); the package's
    // definition.json gets the same limits from the import's rules (422 app-invalid, below)
    expect(created.status).toBe(400);
    expect(created.body.code).toBe('json-too-deep');
    const viaApi = await app.request('POST', `/v1/organizations/${dev}/apps`, { token: devAdmin, body: { name: 'Nul', definition: { a: 'x\u0000' }, requirements: [] } });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.code).toBe('forbidden-character');

    const pkg = (definition: unknown, requirements: { slot: string; kind: string }[], name = 'Hostile') =>
      buildPackage({
        manifest: { app: { name, version: 1 }, exportedAt: '2026-11-01T00:00:00.000Z', exportedBy: 'usr-x', source: { organizationId: 'org-us-x', organizationName: 'X', region: 'us' }, requirements },
        definition,
      });
    for (const zip of [
      await pkg({ deep }, []),
      await pkg({ a: 'x\u0000' }, []),
      await pkg({}, [{ slot: 'CRM', kind: 'salesforce' }]),
      await pkg({}, Array.from({ length: 51 }, (_, i) => ({ slot: `s${i}`, kind: 'smtp' }))),
      await pkg({}, [], 'x'.repeat(150)),
      await pkg([1, 2], []),
    ]) {
      const res = await upload(dev, devAdmin, zip, '?allowUnsigned=true');
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('app-invalid');
    }
    expect(await count(dev, devAdmin)).toBe(0);
  });

  it('exports a signed package with a stable app key', async () => {
    await resource(dev, devAdmin, 'integrations', { name: 'CRM', kind: 'salesforce' });
    const created = await app.request('POST', `/v1/organizations/${dev}/apps`, {
      token: devAdmin,
      body: { name: 'Bot', definition: { v: 1 }, requirements: [{ slot: 'crm', kind: 'salesforce' }, { slot: 'mail', kind: 'smtp' }] },
    });
    expect(created.status).toBe(201);
    source = created.body.id;
    expect(created.body.appKey).toBe(source);
    v1 = await exportZip(dev, devAdmin, source);
    const archive = await JSZip.loadAsync(v1);
    expect(JSON.parse(await archive.file('manifest.json')!.async('string')).app).toEqual({ name: 'Bot', version: 1, key: source });
    expect(await archive.file('signature.jws')!.async('string')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  let imported: string;
  it('suggests from the organization\'s current resources: nothing to suggest is a 422 naming the slots and kinds', async () => {
    const res = await eventually(async () => {
      const r = await upload(test, testAdmin, v1);
      expect(r.status).not.toBe(403);
      return r;
    });
    expect(res.status).toBe(201);
    imported = res.body.id;
    expect(res.body.origin).toMatchObject({ verified: true, sourceOrganizationId: dev, sourceOrganizationName: 'Dev', sourceRegion: 'us' });
    expect(res.body.slots).toEqual([
      { slot: 'crm', kind: 'salesforce', bound: null, candidates: [], missing: 'no salesforce in this organization: create one, then bind it' },
      { slot: 'mail', kind: 'smtp', bound: null, candidates: [], missing: 'no smtp in this organization: create one, then bind it' },
    ]);
    const nothing = await app.request('PUT', `/v1/organizations/${test}/apps/${imported}/bindings`, { token: testAdmin, body: { useSuggestions: true } });
    expect(nothing.status).toBe(422);
    expect(nothing.body).toMatchObject({ code: 'no-suggestion', slots: [{ slot: 'crm', kind: 'salesforce' }, { slot: 'mail', kind: 'smtp' }] });

    // resources created after the import are suggested
    const crm = await resource(test, testAdmin, 'integrations', { name: 'crm', kind: 'salesforce' });
    const mail = await resource(test, testAdmin, 'integrations', { name: 'Mail', kind: 'smtp' });
    const got = await eventually(async () => {
      const r = await app.request('GET', `/v1/organizations/${test}/apps/${imported}`, { token: testAdmin });
      expect(r.body.slots[1].candidates).toHaveLength(1);
      return r.body;
    });
    expect(got.slots[0]).toEqual({ slot: 'crm', kind: 'salesforce', bound: null, candidates: [{ resourceId: crm, name: 'crm', match: 'same-kind' }], missing: 'unbound' });
    expect(got.importPlan[0].candidates).toEqual([]);
    const bound = await app.request('PUT', `/v1/organizations/${test}/apps/${imported}/bindings`, { token: testAdmin, body: { useSuggestions: true } });
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ status: 'ready', bindings: { crm, mail } });
    expect(bound.body.slots[0]).toMatchObject({ bound: { resourceId: crm, name: 'crm', status: 'active' }, candidates: [], missing: null });
  });

  it('says an upgrade is possible and creates nothing; mode=upgrade keeps the bindings of surviving slots', async () => {
    const edited = await app.request('PATCH', `/v1/organizations/${dev}/apps/${source}`, {
      token: devAdmin,
      body: { definition: { v: 2 }, requirements: [{ slot: 'crm', kind: 'salesforce' }, { slot: 'sms', kind: 'phone-number' }] },
    });
    expect(edited.status).toBe(200);
    const v2 = await exportZip(dev, devAdmin, source);
    const before = await count(test, testAdmin);
    const possible = await upload(test, testAdmin, v2);
    expect(possible.status).toBe(409);
    expect(possible.body).toMatchObject({ code: 'upgrade-possible', appId: imported, currentVersion: 1 });
    expect(await count(test, testAdmin)).toBe(before);

    const upgraded = await upload(test, testAdmin, v2, '?mode=upgrade');
    expect(upgraded.status).toBe(201);
    expect(upgraded.body).toMatchObject({ id: imported, version: 2, status: 'needs-configuration' });
    expect(upgraded.body.upgrade).toEqual({ fromVersion: 1, addedSlots: ['sms'], removedSlots: ['mail'], unboundSlots: ['sms'] });
    expect(Object.keys(upgraded.body.bindings)).toEqual(['crm']);
    expect(await count(test, testAdmin)).toBe(before);
    const nothing = await upload(dev, devAdmin, await buildPackage({ manifest: { app: { name: 'N', version: 1, key: 'never-seen' }, exportedAt: '2026-11-01T00:00:00.000Z', exportedBy: 'u', source: { organizationId: 'org-us-x', organizationName: 'X', region: 'us' }, requirements: [] }, definition: {} }), '?mode=upgrade&allowUnsigned=true');
    expect(nothing.status).toBe(404);
    expect(nothing.body.code).toBe('nothing-to-upgrade');
  });

  it('lists versions (who, when, package checksum and origin), rolls back as a new version, publishes a chosen version', async () => {
    const versions = await app.request('GET', `/v1/organizations/${test}/apps/${imported}/versions`, { token: testAdmin });
    expect(versions.status).toBe(200);
    expect(versions.body.items).toEqual([
      expect.objectContaining({ version: 1, change: 'imported', by: expect.stringMatching(/^usr-/), at: expect.any(String), package: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), origin: expect.objectContaining({ organizationId: dev, region: 'us', verified: true, version: 1 }) } }),
      expect.objectContaining({ version: 2, change: 'upgraded', current: true, package: expect.objectContaining({ origin: expect.objectContaining({ version: 2, verified: true }) }) }),
    ]);
    expect(versions.body.items[0].package.sha256).not.toBe(versions.body.items[1].package.sha256);

    const published = await app.request('POST', `/v1/organizations/${test}/apps/${imported}/publish`, { token: testAdmin, body: { version: 1 } });
    expect(published.status).toBe(409); // version 1 needs mail, released by the upgrade
    expect(published.body.slots).toEqual([{ slot: 'mail', kind: 'smtp', problem: 'unbound' }]);

    const rolled = await app.request('POST', `/v1/organizations/${test}/apps/${imported}/rollback`, { token: testAdmin, body: { version: 1 } });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ version: 3, requirements: [{ slot: 'crm', kind: 'salesforce' }, { slot: 'mail', kind: 'smtp' }] });
    expect((await app.request('GET', `/v1/organizations/${test}/apps/${imported}`, { token: testAdmin })).body.definition).toEqual({ v: 1 });
    const rebound = await app.request('PUT', `/v1/organizations/${test}/apps/${imported}/bindings`, { token: testAdmin, body: { useSuggestions: true } });
    expect(rebound.body.status).toBe('ready');
    const chosen = await app.request('POST', `/v1/organizations/${test}/apps/${imported}/publish`, { token: testAdmin, body: { version: 1 } });
    expect(chosen.status).toBe(200);
    expect(chosen.body.publishedVersion).toBe(1);
    const after = await app.request('GET', `/v1/organizations/${test}/apps/${imported}/versions`, { token: testAdmin });
    expect(after.body.items[2]).toMatchObject({ version: 3, change: 'rolled-back', restoredVersion: 1, current: true, published: false });
    expect(after.body.items[0]).toMatchObject({ published: true });
    expect((await app.request('POST', `/v1/organizations/${test}/apps/${imported}/rollback`, { token: testAdmin, body: { version: 9 } })).status).toBe(404);
  });

  it('imports, binds, configures and publishes in one call with a settings document; any unbindable slot refuses it all', async () => {
    await flow.user('prod@example.com');
    const prod = (await flow.organization('Prod', 'prod@example.com')).id;
    const prodAdmin = await flow.scoped('prod@example.com', prod);
    await eventually(async () => expect((await app.request('GET', `/v1/organizations/${prod}/apps`, { token: prodAdmin })).status).toBe(200));
    const crm = await resource(prod, prodAdmin, 'integrations', { name: 'Prod CRM', kind: 'salesforce' });
    const mail = await resource(prod, prodAdmin, 'integrations', { name: 'Mail', kind: 'smtp' });
    await eventually(async () => expect((await app.request('GET', `/v1/organizations/${prod}/apps`, { token: prodAdmin })).status).toBe(200));

    const bad = { bindings: { crm: { name: 'No Such CRM' }, mail: { resourceId: crm }, extra: { name: 'x' } }, settings: { greeting: 'hi' } };
    const refused = await upload(prod, prodAdmin, v1, '?publish=true', { 'x-deployment-settings': Buffer.from(JSON.stringify(bad)).toString('base64') });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('settings-unbindable');
    expect(refused.body.problems.map((p: { slot: string; problem: string }) => `${p.slot}:${p.problem}`)).toEqual(['crm:no-such-resource', 'mail:kind-mismatch', 'extra:unknown-slot']);
    const secret = await upload(prod, prodAdmin, v1, '', { 'x-deployment-settings': JSON.stringify({ settings: { clientSecret: 'x' } }) });
    expect(secret.status).toBe(422);
    expect(secret.body.code).toBe('settings-invalid');
    const unbound = await upload(prod, prodAdmin, v1, '?publish=true', { 'x-deployment-settings': JSON.stringify({ bindings: { crm: { name: 'prod crm' } } }) });
    expect(unbound.status).toBe(409);
    expect(unbound.body.code).toBe('slots-unbound');
    expect(await count(prod, prodAdmin)).toBe(0);

    const good = { bindings: { crm: { name: 'prod crm' }, mail: { resourceId: mail } }, settings: { greeting: 'hello', retries: 3 } };
    const done = await upload(prod, prodAdmin, v1, '?publish=true', { 'x-deployment-settings': Buffer.from(JSON.stringify(good)).toString('base64') });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ status: 'published', publishedVersion: 1, bindings: { crm, mail }, settings: { greeting: 'hello', retries: 3 } });
  });

  it('refuses forged and unsigned packages; allowUnsigned imports an unsigned one as of unverified origin', async () => {
    // the manifest's origin edited after signing
    const archive = await JSZip.loadAsync(v1);
    const manifest = JSON.parse(await archive.file('manifest.json')!.async('string'));
    manifest.source.organizationName = 'Someone Else';
    archive.file('manifest.json', JSON.stringify(manifest, null, 2));
    const forged = await archive.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    for (const query of ['', '?allowUnsigned=true']) {
      const res = await upload(test, testAdmin, forged, query);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'signature-invalid', reason: 'manifest-mismatch' });
    }
    // signed by a key nobody trusts, claiming to come from Dev
    const stranger = PackageSigner.generate('us');
    const foreignKey = await buildPackage({
      manifest: { app: { name: 'Bot', version: 9, key: 'stranger-app' }, exportedAt: '2026-11-01T00:00:00.000Z', exportedBy: 'u', source: { organizationId: dev, organizationName: 'Dev', region: 'us' }, requirements: [] },
      definition: {},
      sign: (m) => stranger.sign(m, { appKey: 'stranger-app', source: { organizationId: dev, organizationName: 'Dev', region: 'us' } }),
    });
    const unknown = await upload(test, testAdmin, foreignKey);
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'origin-unverified', reason: 'unknown-signer' });
    const accepted = await upload(test, testAdmin, foreignKey, '?allowUnsigned=true');
    expect(accepted.status).toBe(201);
    expect(accepted.body.origin).toMatchObject({ verified: false, signerKeyId: null });
    const versions = await app.request('GET', `/v1/organizations/${test}/apps/${accepted.body.id}/versions`, { token: testAdmin });
    expect(versions.body.items[0].package.origin).toMatchObject({ verified: false, note: 'unverified origin' });
  });

  it('verifies a package of another region against that region\'s trusted key, and still asks to acknowledge the crossing', async () => {
    const source = { organizationId: 'org-eu-01m8mmaaaaaaaaaaaaaaaaaaaa', organizationName: 'Euro', region: 'eu' as const };
    const zip = await buildPackage({
      manifest: { app: { name: 'Euro Bot', version: 4, key: 'euro-bot' }, exportedAt: '2026-11-01T00:00:00.000Z', exportedBy: 'u', source, requirements: [] },
      definition: {},
      sign: (m) => eu.sign(m, { appKey: 'euro-bot', source }),
    });
    const refused = await upload(test, testAdmin, zip);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'cross-region-not-acknowledged', sourceRegion: 'eu' });
    const accepted = await upload(test, testAdmin, zip, '?acknowledgeCrossRegion=true');
    expect(accepted.status).toBe(201);
    expect(accepted.body.origin).toMatchObject({ verified: true, signerKeyId: eu.kid, sourceRegion: 'eu', crossRegion: true, sourceOrganizationName: 'Euro' });
  });
});
