import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, eventually, ServiceProcess } from './processes';
import { readOutbox } from '../support/mail';

const KAFKA_NAMESPACE = `e2e-${randomBytes(4).toString('hex')}`;

jest.setTimeout(300_000);

const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const S3_ENDPOINT = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:9000';
/** three ports from here (identity, organization, app-packaging) */
const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 3201);
const OPERATOR_TOKEN = `op-e2e-${randomBytes(16).toString('hex')}`;
const PASSWORD = 'correct horse battery staple';

/**
 * The product as three OS processes that share nothing but a real Kafka broker (and S3 for packages):
 * identity, organization and app-packaging each with their own SQLite store (KurrentDB when
 * KURRENTDB_CONNECTION_STRING... is configured per service) and their own data directory.
 */
describe('three services in separate processes over Kafka and S3', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-e2e-'));
  const common = {
    REGION: 'us',
    OPERATOR_TOKEN,
    BUS: 'kafka',
    KAFKA_BROKERS,
    KAFKA_TOPIC_PARTITIONS: '3',
    // topics and consumer groups of this run only: nothing left on the shared broker by another suite is read
    KAFKA_NAMESPACE,
    EVENT_STORE: 'sqlite',
    LOG_LEVEL: 'info',
    JWKS_URL: `http://127.0.0.1:${PORT_BASE}/.well-known/jwks.json`,
  };
  const identity = new ServiceProcess('identity', PORT_BASE, { ...common, DATA_DIR: join(root, 'identity') });
  const MASTER_KEY = randomBytes(32).toString('base64');
  const organization = new ServiceProcess('organization', PORT_BASE + 1, {
    ...common,
    DATA_DIR: join(root, 'organization'),
    SECRETS_MASTER_KEY: MASTER_KEY,
  });
  const packaging = new ServiceProcess('app-packaging', PORT_BASE + 2, {
    ...common,
    DATA_DIR: join(root, 'app-packaging'),
    OBJECT_STORAGE: 's3',
    S3_ENDPOINT,
    S3_ACCESS_KEY: process.env.S3_ACCESS_KEY ?? 'minioadmin',
    S3_SECRET_KEY: process.env.S3_SECRET_KEY ?? 'minioadmin',
    S3_BUCKET: `e2e-${randomBytes(4).toString('hex')}`,
  });
  const services = [identity, organization, packaging];
  const I = identity.url;
  const O = organization.url;
  const P = packaging.url;
  const op = { token: OPERATOR_TOKEN };

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
    services.forEach((s) => s.start());
    await Promise.all(services.map((s) => s.ready()));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
  });

  const signIn = async (email: string) => {
    const res = await call(I, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return res.body;
  };
  const scoped = (email: string, organizationId: string, role?: string) =>
    eventually(async () => {
      const session = await signIn(email);
      const res = await call(I, 'POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId } });
      expect(res.status).toBe(200);
      if (role) expect(res.body.role).toBe(role);
      return res.body.accessToken as string;
    });

  it('drives the whole product flow over HTTP, survives a SIGKILL, and applies nothing twice', async () => {
    // sign-up (identity) and provisioning (organization): the admin is known to organization through Kafka
    for (const email of ['ada@example.com', 'bob@example.com', 'cy@example.com']) {
      expect((await call(I, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: email.split('@')[0] } })).status).toBe(201);
    }
    // each confirms the address with the link from identity's outbox (only verified addresses become Admins or accept)
    for (const email of ['ada@example.com', 'bob@example.com', 'cy@example.com']) {
      const mail = await eventually(async () => {
        const mails = (await readOutbox(join(root, 'identity'))).filter((m) => m.to === email && /Confirm/.test(m.subject));
        expect(mails).toHaveLength(1);
        return mails[0];
      }, 15_000);
      expect((await call(I, 'POST', '/v1/email-verifications', { body: { token: mail.token } })).status).toBe(200);
    }
    const orgA = await eventually(async () => {
      const res = await call(O, 'POST', '/v1/organizations', { ...op, body: { name: 'Acme', region: 'us', admin: { email: 'ada@example.com' } } });
      expect(res.status).toBe(201);
      expect(res.body.admin.status).toBe('member'); // organization learned of ada from identity's event
      return res.body.id as string;
    });
    const provisionedB = (await call(O, 'POST', '/v1/organizations', { ...op, body: { name: 'Beta', region: 'us', admin: { email: 'bob@example.com' } } })).body;
    const orgB = provisionedB.id as string;
    if (provisionedB.admin.status === 'invited') {
      // organization had not yet learned (over Kafka) that bob confirmed his address: he takes the first-Admin
      // invitation instead, as the path for a provisioned organization's first Admin
      const bobSession = await signIn('bob@example.com');
      await eventually(async () => {
        const res = await call(O, 'POST', `/v1/invitations/${provisionedB.admin.invitationId}/accept`, { token: bobSession.accessToken });
        expect(res.status).toBe(200);
      });
    }
    const ada = await scoped('ada@example.com', orgA, 'Admin');

    // invitation and role change: visible to identity's token issuance through Kafka
    const invite = await call(O, 'POST', `/v1/organizations/${orgA}/invitations`, { token: ada, body: { email: 'cy@example.com', role: 'Agent' } });
    expect(invite.status).toBe(201);
    const cySession = await signIn('cy@example.com');
    expect((await call(O, 'POST', `/v1/invitations/${invite.body.id}/accept`, { token: cySession.accessToken })).status).toBe(200);
    await scoped('cy@example.com', orgA, 'Agent');
    const cyId = cySession.user.id;
    const correlationId = `role-change-${randomBytes(4).toString('hex')}`;
    expect((await call(O, 'PUT', `/v1/organizations/${orgA}/members/${cyId}`, { token: ada, body: { role: 'Developer' }, correlationId })).status).toBe(200);
    const cy = await scoped('cy@example.com', orgA, 'Developer');
    // the correlation id followed the change from organization's HTTP request through its log and Kafka into identity
    const lines = (service: ServiceProcess) => service.output.split('\n').filter((l) => l.includes(correlationId)).map((l) => JSON.parse(l));
    expect(lines(organization).some((l) => l.component === 'http' && l.route === '/v1/organizations/:id/members/:userId')).toBe(true);
    expect(lines(identity).some((l) => l.component === 'identity.consumer' && l.type === 'MemberRoleChanged')).toBe(true);
    // app-packaging consumes the same message on its own, in no order relative to identity
    await eventually(async () => {
      expect(lines(packaging).some((l) => l.component === 'app-packaging.consumer' && l.type === 'MemberRoleChanged')).toBe(true);
    });

    // resources (organization) and an app (app-packaging) in A
    const crm = (await call(O, 'POST', `/v1/organizations/${orgA}/integrations`, { token: cy, body: { name: 'CRM', kind: 'salesforce', secret: 'top-secret' } })).body.id;
    const appA = await eventually(async () => {
      const res = await call(P, 'POST', `/v1/organizations/${orgA}/apps`, {
        token: cy,
        body: { name: 'Bot', definition: { pages: [] }, requirements: [{ slot: 'crm', kind: 'salesforce' }] },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    });
    await eventually(async () => {
      expect((await call(P, 'PUT', `/v1/organizations/${orgA}/apps/${appA}/bindings/crm`, { token: cy, body: { resourceId: crm } })).status).toBe(200);
    });
    expect((await call(P, 'POST', `/v1/organizations/${orgA}/apps/${appA}/publish`, { token: cy })).status).toBe(200);

    // export in A (S3), import, bind and publish in B
    const exported = await call(P, 'POST', `/v1/organizations/${orgA}/apps/${appA}/exports`, { token: cy });
    expect(exported.status).toBe(201);
    const zip = await call(P, 'GET', exported.body.download, { token: cy });
    expect(zip.status).toBe(200);
    expect(zip.raw.length).toBe(exported.body.size);
    const bob = await scoped('bob@example.com', orgB, 'Admin');
    const crmB = (await call(O, 'POST', `/v1/organizations/${orgB}/integrations`, { token: bob, body: { name: 'CRM', kind: 'salesforce' } })).body.id;
    const imported = await eventually(async () => {
      const res = await call(P, 'POST', `/v1/organizations/${orgB}/apps/imports`, { token: bob, raw: zip.raw });
      expect(res.status).toBe(201);
      return res.body;
    });
    // the plan follows B's resources as they reach app-packaging over Kafka (a second import would be an upgrade)
    await eventually(async () => {
      const res = await call(P, 'GET', `/v1/organizations/${orgB}/apps/${imported.id}`, { token: bob });
      expect(res.body.bindingPlan[0].candidates[0]).toMatchObject({ resourceId: crmB, match: 'same-name' });
    });
    expect((await call(P, 'PUT', `/v1/organizations/${orgB}/apps/${imported.id}/bindings`, { token: bob, body: { useSuggestions: true } })).status).toBe(200);
    expect((await call(P, 'POST', `/v1/organizations/${orgB}/apps/${imported.id}/publish`, { token: bob })).body.status).toBe('published');

    // an organization API key (made at organization) works at app-packaging, which learned it over Kafka
    // (organization.api-keys.v1): its own organization's apps only, audited as the key, stopped by a revocation
    const apiKey = (await call(O, 'POST', `/v1/organizations/${orgA}/api-keys`, { token: ada, body: { name: 'CI', role: 'Developer' } })).body;
    expect(apiKey.key).toMatch(/^ok_/);
    const listedByKey = await eventually(async () => {
      const res = await call(P, 'GET', `/v1/organizations/${orgA}/apps`, { token: apiKey.key });
      expect(res.status).toBe(200);
      return res.body.items.map((a: { id: string }) => a.id);
    });
    expect(listedByKey).toContain(appA);
    expect((await call(P, 'POST', `/v1/organizations/${orgA}/apps/${appA}/exports`, { token: apiKey.key })).status).toBe(201);
    expect((await call(P, 'GET', `/v1/organizations/${orgB}/apps`, { token: apiKey.key })).status).toBe(403);
    await eventually(async () => {
      const audit = await call(O, 'GET', `/v1/organizations/${orgA}/audit`, { token: ada });
      expect(audit.body.items.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`)).toContain(`app.exported key:${apiKey.id}`);
    });
    expect((await call(O, 'DELETE', `/v1/organizations/${orgA}/api-keys/${apiKey.id}`, { token: ada })).status).toBe(200);
    await eventually(async () => expect((await call(P, 'GET', `/v1/organizations/${orgA}/apps`, { token: apiKey.key })).status).toBe(401));

    // SIGKILL organization in the middle of a stream of invitations, restart it
    const acknowledged: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await call(O, 'POST', `/v1/organizations/${orgA}/invitations`, { token: ada, body: { email: `guest${i}@example.com`, role: 'Agent' } });
          if (res.status === 201) acknowledged.push(`guest${i}@example.com`);
        } catch {
          return;
        }
      }
    })();
    while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 10));
    await organization.kill('SIGKILL');
    stop = true;
    await writer;
    organization.start();
    await organization.ready();
    const pending = await call(O, 'GET', `/v1/organizations/${orgA}/invitations`, { token: ada });
    const emails = new Set(pending.body.items.map((i: { email: string }) => i.email));
    expect(acknowledged.filter((e) => !emails.has(e))).toEqual([]);
    // the relay resumes from its checkpoint: identity learns every acknowledged invitation, exactly once
    await eventually(async () => {
      for (const email of acknowledged.slice(-3)) {
        expect((await call(I, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: 'g' } })).status).toBeLessThan(500);
        const session = await signIn(email);
        const mine = await call(I, 'GET', '/v1/me/invitations', { token: session.accessToken });
        expect(mine.body.items).toHaveLength(1);
      }
    }, 30_000);
    // a later change flows again, end to end
    expect((await call(O, 'PUT', `/v1/organizations/${orgA}/members/${cyId}`, { token: ada, body: { role: 'Agent' } })).status).toBe(200);
    await scoped('cy@example.com', orgA, 'Agent');

    // graceful shutdown on SIGTERM: in-flight work finishes, the stores close
    const stopped = await Promise.all(services.map((s) => s.kill('SIGTERM')));
    expect(stopped.map((s) => s.graceful)).toEqual([true, true, true]);

    // no secret, password or token in any log line of the whole run
    const everything = services.map((s) => s.output).join('\n');
    for (const secret of [PASSWORD, 'top-secret', OPERATOR_TOKEN, MASTER_KEY, ada, cy, bob, cySession.refreshToken, 'eyJhbGciOi', apiKey.key.split('.')[1]]) {
      expect(everything.includes(secret) ? `a log contains ${secret.slice(0, 12)}…` : 'clean').toBe('clean');
    }
    expect(everything.split('\n').filter((l) => l.startsWith('{')).length).toBeGreaterThan(50);

    // nothing applied twice: identity recorded each membership change of cy once
    const db = new Database(join(root, 'identity', 'identity', 'events.sqlite'), { readonly: true });
    const cyEvents = db
      .prepare("SELECT type, data FROM events WHERE stream = ? AND type LIKE 'Membership%' ORDER BY revision")
      .all(`user-${cyId}`) as { type: string; data: string }[];
    const ids = (rows: unknown[]) => (rows as { id: string }[]).map((r) => r.id).sort();
    const invitationRecords = ids(db.prepare("SELECT json_extract(data, '$.invitationId') AS id FROM events WHERE type = 'InvitationRecorded'").all());
    db.close();
    expect(cyEvents.map((e) => [e.type, JSON.parse(e.data).role])).toEqual([
      ['MembershipGranted', 'Agent'],
      ['MembershipRoleChanged', 'Developer'],
      ['MembershipRoleChanged', 'Agent'],
    ]);
    // one record per invitation organization ever created (cy's, the guests', Bob's none): no duplicates
    const invitationsCreated = new Database(join(root, 'organization', 'organization', 'events.sqlite'), { readonly: true });
    const created = ids(invitationsCreated.prepare("SELECT json_extract(data, '$.invitationId') AS id FROM events WHERE type = 'InvitationCreated'").all());
    invitationsCreated.close();
    expect(invitationRecords).toEqual(created);
  });
});
