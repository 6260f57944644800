import JSZip from 'jszip';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, eventually, ServiceProcess, verifyEmailFromOutbox } from './processes';

const KAFKA_NAMESPACE = `e2e-${randomBytes(4).toString('hex')}`;

jest.setTimeout(300_000);

const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const S3_ENDPOINT = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:9000';
/** four ports from here: the us stack's three services and the eu stack (one process) */
const PORT_BASE = Number(process.env.E2E_PACKAGES_PORT_BASE ?? 3211);
const OPERATOR_TOKEN = `op-e2e-${randomBytes(16).toString('hex')}`;
const PASSWORD = 'correct horse battery staple';

/**
 * Packages in a deployment pipeline, over a real Kafka broker and a real S3 server (S3Proxy): the us stack runs
 * as three processes (packages stored in S3); the eu stack is a second, independent region (one standalone
 * process with its own embedded stores) that trusts the us stack's package signing key, as an operator
 * configures it from the us JWKS document.
 */
describe('packages from dev to prod and across regions, over Kafka and S3', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-e2e-pkg-'));
  const common = {
    REGION: 'us',
    OPERATOR_TOKEN,
    BUS: 'kafka',
    KAFKA_BROKERS,
    KAFKA_TOPIC_PARTITIONS: '3',
    // topics and consumer groups of this run only: nothing left on the shared broker by another suite is read
    KAFKA_NAMESPACE,
    EVENT_STORE: 'sqlite',
    LOG_LEVEL: 'warn',
    JWKS_URL: `http://127.0.0.1:${PORT_BASE}/.well-known/jwks.json`,
  };
  const identity = new ServiceProcess('identity', PORT_BASE, { ...common, DATA_DIR: join(root, 'identity') });
  const organization = new ServiceProcess('organization', PORT_BASE + 1, {
    ...common,
    DATA_DIR: join(root, 'organization'),
    SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
  });
  const packaging = new ServiceProcess('app-packaging', PORT_BASE + 2, {
    ...common,
    DATA_DIR: join(root, 'app-packaging'),
    OBJECT_STORAGE: 's3',
    S3_ENDPOINT,
    S3_ACCESS_KEY: process.env.S3_ACCESS_KEY ?? 'minioadmin',
    S3_SECRET_KEY: process.env.S3_SECRET_KEY ?? 'minioadmin',
    S3_BUCKET: `e2e-pkg-${randomBytes(4).toString('hex')}`,
  });
  let eu: ServiceProcess;
  const I = identity.url;
  const O = organization.url;
  const P = packaging.url;

  beforeAll(async () => {
    for (const [what, url] of [
      ['Kafka', `http://${KAFKA_BROKERS.split(',')[0]}`],
      ['S3', S3_ENDPOINT],
    ]) {
      const reachable = await fetch(url).then(
        () => true,
        (e: Error & { cause?: { code?: string } }) => e.cause?.code !== 'ECONNREFUSED',
      );
      if (!reachable) throw new Error(`${what} is not reachable at ${url}: start it with scripts/infra/${what === 'Kafka' ? 'kafka' : 's3'}-start.sh`);
    }
    [identity, organization, packaging].forEach((s) => s.start());
    await Promise.all([identity, organization, packaging].map((s) => s.ready()));
    // the eu operator trusts the us stack's package key, taken from its published JWKS
    const jwks = await call(P, 'GET', '/.well-known/package-signing-keys.json');
    expect(jwks.body.keys[0]).toMatchObject({ region: 'us', alg: 'ES256' });
    eu = new ServiceProcess('standalone', PORT_BASE + 3, {
      REGION: 'eu',
      OPERATOR_TOKEN,
      DATA_DIR: join(root, 'eu'),
      LOG_LEVEL: 'warn',
      PACKAGE_TRUSTED_KEYS: JSON.stringify(jwks.body),
    }).start();
    await eu.ready();
  });

  afterAll(async () => {
    await Promise.all([identity, organization, packaging, ...(eu ? [eu] : [])].map((s) => s.kill('SIGTERM')));
  });

  const signUp = async (base: string, email: string, dataDir: string) => {
    expect((await call(base, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: email.split('@')[0] } })).status).toBe(201);
    await verifyEmailFromOutbox(base, dataDir, email);
  };
  const provision = (base: string, name: string, region: string, email: string) =>
    eventually(async () => {
      const res = await call(base, 'POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name, region, admin: { email } } });
      expect(res.status).toBe(201);
      expect(res.body.admin.status).toBe('member');
      return res.body.id as string;
    });
  const scoped = (base: string, email: string, organizationId: string) =>
    eventually(async () => {
      const session = await call(base, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
      const res = await call(base, 'POST', '/v1/sessions/organization', { token: session.body.accessToken, body: { organizationId } });
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    });
  const download = async (org: string, token: string, appId: string) => {
    const exported = await call(P, 'POST', `/v1/organizations/${org}/apps/${appId}/exports`, { token });
    expect(exported.status).toBe(201);
    const zip = await call(P, 'GET', exported.body.download, { token });
    expect(zip.status).toBe(200);
    expect(zip.raw.length).toBe(exported.body.size);
    return zip.raw;
  };
  const settingsHeader = (doc: unknown) => ({ 'x-deployment-settings': Buffer.from(JSON.stringify(doc)).toString('base64') });

  it('dev -> prod with settings in one call, upgrade keeping bindings, rollback, cross-region import, forged origin refused', async () => {
    await signUp(I, 'ada@example.com', join(root, 'identity'));
    await signUp(I, 'bob@example.com', join(root, 'identity'));
    const orgA = await provision(O, 'Acme Dev', 'us', 'ada@example.com');
    const orgB = await provision(O, 'Acme Prod', 'us', 'bob@example.com');
    const ada = await scoped(I, 'ada@example.com', orgA);
    const bob = await scoped(I, 'bob@example.com', orgB);

    // A: an app bound to A's resources and published, exported to S3
    const crmA = (await call(O, 'POST', `/v1/organizations/${orgA}/integrations`, { token: ada, body: { name: 'CRM', kind: 'salesforce', secret: 'dev-secret' } })).body.id;
    const smsA = (await call(O, 'POST', `/v1/organizations/${orgA}/phone-numbers`, { token: ada, body: { number: '+14155550100', provider: 'twilio', capabilities: ['sms'] } })).body.id;
    const appA = await eventually(async () => {
      const res = await call(P, 'POST', `/v1/organizations/${orgA}/apps`, {
        token: ada,
        body: { name: 'Support Bot', definition: { pages: [] }, requirements: [{ slot: 'crm', kind: 'salesforce' }, { slot: 'sms', kind: 'phone-number' }] },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    });
    await eventually(async () => {
      const res = await call(P, 'PUT', `/v1/organizations/${orgA}/apps/${appA}/bindings`, { token: ada, body: { bindings: { crm: crmA, sms: smsA } } });
      expect(res.status).toBe(200);
    });
    expect((await call(P, 'POST', `/v1/organizations/${orgA}/apps/${appA}/publish`, { token: ada })).body.status).toBe('published');
    const v1 = await download(orgA, ada, appA);
    expect(Object.keys((await JSZip.loadAsync(v1)).files).sort()).toEqual(['definition.json', 'manifest.json', 'signature.jws']);
    // the export, streamed into S3 by the node:zlib writer, is a ZIP Info-ZIP's unzip tests clean
    const v1File = join(mkdtempSync(join(tmpdir(), 'pkg-e2e-')), 'v1.zip');
    writeFileSync(v1File, v1);
    expect(execFileSync('unzip', ['-t', v1File], { encoding: 'utf8' })).toContain('No errors detected');

    // B: its own resources; import + bind + settings + publish in one call (retried until B's resources reach app-packaging)
    const crmB = (await call(O, 'POST', `/v1/organizations/${orgB}/integrations`, { token: bob, body: { name: 'Prod CRM', kind: 'salesforce' } })).body.id;
    const smsB = (await call(O, 'POST', `/v1/organizations/${orgB}/phone-numbers`, { token: bob, body: { number: '+442071838750', provider: 'twilio', capabilities: ['sms'] } })).body.id;
    const settings = { bindings: { crm: { name: 'prod crm' }, sms: { resourceId: smsB } }, settings: { supportEmail: 'help@acme.example' } };
    const appB = await eventually(async () => {
      const res = await call(P, 'POST', `/v1/organizations/${orgB}/apps/imports?publish=true`, { token: bob, raw: v1, headers: settingsHeader(settings) });
      expect(res.status).toBe(201);
      return res.body;
    });
    expect(appB).toMatchObject({
      status: 'published',
      publishedVersion: 1,
      bindings: { crm: crmB, sms: smsB },
      settings: { supportEmail: 'help@acme.example' },
      origin: { verified: true, sourceOrganizationId: orgA, sourceOrganizationName: 'Acme Dev', sourceRegion: 'us', crossRegion: false },
    });

    // A: a new version with one more slot; B: without mode nothing is created, with mode=upgrade bindings are kept
    expect(
      (
        await call(P, 'PATCH', `/v1/organizations/${orgA}/apps/${appA}`, {
          token: ada,
          body: { definition: { pages: [{ title: 'Home' }] }, requirements: [{ slot: 'crm', kind: 'salesforce' }, { slot: 'sms', kind: 'phone-number' }, { slot: 'mail', kind: 'smtp' }] },
        })
      ).status,
    ).toBe(200);
    const v2 = await download(orgA, ada, appA);
    const possible = await call(P, 'POST', `/v1/organizations/${orgB}/apps/imports`, { token: bob, raw: v2 });
    expect(possible.status).toBe(409);
    expect(possible.body).toMatchObject({ code: 'upgrade-possible', appId: appB.id });
    const upgraded = await call(P, 'POST', `/v1/organizations/${orgB}/apps/imports?mode=upgrade`, { token: bob, raw: v2 });
    expect(upgraded.status).toBe(201);
    expect(upgraded.body).toMatchObject({ id: appB.id, version: 2, status: 'needs-configuration', bindings: { crm: crmB, sms: smsB } });
    expect(upgraded.body.upgrade).toEqual({ fromVersion: 1, addedSlots: ['mail'], removedSlots: [], unboundSlots: ['mail'] });
    expect((await call(P, 'GET', `/v1/organizations/${orgB}/apps`, { token: bob })).body.items).toHaveLength(1);

    // roll back to version 1 (as version 3): every slot it needs is still bound, so it can be published
    const rolled = await call(P, 'POST', `/v1/organizations/${orgB}/apps/${appB.id}/rollback`, { token: bob, body: { version: 1 } });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ version: 3, status: 'ready' });
    expect((await call(P, 'POST', `/v1/organizations/${orgB}/apps/${appB.id}/publish`, { token: bob })).body).toMatchObject({ status: 'published', publishedVersion: 3 });
    const versions = await call(P, 'GET', `/v1/organizations/${orgB}/apps/${appB.id}/versions`, { token: bob });
    expect(versions.body.items.map((v: { version: number; change: string }) => `${v.version}:${v.change}`)).toEqual(['1:imported', '2:upgraded', '3:rolled-back']);
    expect(versions.body.items[1].package.origin).toMatchObject({ organizationId: orgA, region: 'us', version: 2, verified: true });

    // eu: another region's stack verifies the us signature; the crossing must be acknowledged
    await signUp(eu.url, 'eva@example.com', join(root, 'eu'));
    const orgEu = await provision(eu.url, 'Acme Europe', 'eu', 'eva@example.com');
    const eva = await scoped(eu.url, 'eva@example.com', orgEu);
    const refused = await eventually(async () => {
      const res = await call(eu.url, 'POST', `/v1/organizations/${orgEu}/apps/imports`, { token: eva, raw: v2 });
      expect(res.status).not.toBe(403);
      return res;
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'cross-region-not-acknowledged', sourceRegion: 'us' });
    const euApp = await call(eu.url, 'POST', `/v1/organizations/${orgEu}/apps/imports?acknowledgeCrossRegion=true`, { token: eva, raw: v2 });
    expect(euApp.status).toBe(201);
    expect(euApp.body.origin).toMatchObject({ verified: true, sourceRegion: 'us', sourceOrganizationId: orgA, crossRegion: true });
    expect(euApp.body.status).toBe('needs-configuration');

    // a forged origin: the manifest says the package came from another organization; refused in both regions
    const archive = await JSZip.loadAsync(v1);
    const manifest = JSON.parse(await archive.file('manifest.json')!.async('string'));
    manifest.source = { organizationId: orgB, organizationName: 'Acme Prod', region: 'us' };
    archive.file('manifest.json', JSON.stringify(manifest, null, 2));
    const forged = await archive.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    for (const [base, org, token, query] of [
      [P, orgB, bob, '?allowUnsigned=true'],
      [eu.url, orgEu, eva, '?acknowledgeCrossRegion=true&allowUnsigned=true'],
    ]) {
      const res = await call(base, 'POST', `/v1/organizations/${org}/apps/imports${query}`, { token, raw: forged });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'signature-invalid', reason: 'manifest-mismatch' });
    }
    expect((await call(eu.url, 'GET', `/v1/organizations/${orgEu}/apps`, { token: eva })).body.items).toHaveLength(1);
  });
});
