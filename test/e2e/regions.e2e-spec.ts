import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, eventually, ServiceProcess, verifyEmailFromOutbox } from './processes';

jest.setTimeout(300_000);

/** us on this port, eu on the next one */
const PORT_BASE = Number(process.env.REGIONS_E2E_PORT ?? 30610);
const PASSWORD = 'correct horse battery staple';
const secret = () => randomBytes(24).toString('hex');

/** every file under a directory (event stores, read models, WAL files, the object store, mail outbox, keys) */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
const containing = (dir: string, marker: string) => filesUnder(dir).filter((f) => readFileSync(f).includes(Buffer.from(marker)));

/**
 * Two regions on this machine, each a whole stack with its own data directory (its own event stores, read
 * models and object store) and its own in-process bus, peered over their public HTTP APIs (REGION_PEERS):
 * one account in us works in an eu organization, sees both after one sign-in, is demoted in eu and stopped
 * there on the next request; eu goes down and us keeps working; eu's organization data is nowhere in us.
 */
describe('one account across regions (us and eu peered)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-regions-'));
  const usToken = `peer-us-${secret()}`;
  const euToken = `peer-eu-${secret()}`;
  const operator = `op-${secret()}`;
  const usPort = PORT_BASE;
  const euPort = PORT_BASE + 1;
  const stack = (region: 'us' | 'eu', port: number, peer: string, peerPort: number, myToken: string, peerToken: string) =>
    new ServiceProcess('standalone', port, {
      REGION: region,
      DATA_DIR: join(root, region),
      OPERATOR_TOKEN: operator,
      SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
      REGION_PEERS: `${peer}=http://127.0.0.1:${peerPort}`,
      REGION_PEER_TOKEN: myToken,
      SERVICE_TOKENS: peerToken,
      REGION_PEER_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'warn',
    });
  const us = stack('us', usPort, 'eu', euPort, usToken, euToken);
  const eu = stack('eu', euPort, 'us', usPort, euToken, usToken);
  const US = us.url;
  const EU = eu.url;
  const op = { token: operator };

  beforeAll(async () => {
    us.start();
    eu.start();
    await Promise.all([us.ready(), eu.ready()]);
  });
  afterAll(async () => {
    await Promise.all([us.kill('SIGKILL'), eu.kill('SIGKILL')]);
  });

  const signUp = async (base: string, region: 'us' | 'eu', email: string) => {
    const res = await call(base, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: email.split('@')[0] } });
    expect(res.status).toBe(201);
    await verifyEmailFromOutbox(base, join(root, region), email);
    return res.body.id as string;
  };
  const signIn = async (base: string, email: string) => {
    const res = await call(base, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; organizations: { id: string; name: string; region: string; role: string; status: string }[] };
  };
  const pick = async (base: string, token: string, organizationId: string) => {
    const res = await call(base, 'POST', '/v1/sessions/organization', { token, body: { organizationId } });
    expect(res.status).toBe(200);
    return res.body.accessToken as string;
  };
  /** provisions an organization with its first Admin, who signs up at `base` and accepts */
  const provision = async (base: string, region: 'us' | 'eu', name: string, adminEmail: string) => {
    const org = await call(base, 'POST', '/v1/organizations', { ...op, body: { name, region, admin: { email: adminEmail } } });
    expect(org.status).toBe(201);
    const adminId = await signUp(base, region, adminEmail);
    const session = await signIn(base, adminEmail);
    await eventually(async () => {
      expect((await call(base, 'POST', `/v1/invitations/${org.body.admin.invitationId}/accept`, { token: session.accessToken })).status).toBe(200);
    });
    const admin = await eventually(() => pick(base, session.accessToken, org.body.id));
    return { id: org.body.id as string, admin, adminId };
  };

  const markers = {
    resource: `eu-resource-${secret()}`,
    secret: `eu-secret-${secret()}`,
    app: `eu-app-definition-${secret()}`,
    audit: `eu-audit-${secret()}`,
  };

  it('a person signs up in us, joins an eu organization, sees both after one sign-in and works in each', async () => {
    const usOrg = await provision(US, 'us', 'Acme US', 'ursula@example.com');
    const euOrg = await provision(EU, 'eu', 'Acme EU', 'erik@example.com');

    // ada's account lives in us: her id names it
    const adaId = await signUp(US, 'us', 'ada@example.com');
    expect(adaId).toMatch(/^usr-us-[0-9a-z]{26}$/);
    // she is invited to both organizations and accepts each with her one us sign-in
    const usInvite = await call(US, 'POST', `/v1/organizations/${usOrg.id}/invitations`, { token: usOrg.admin, body: { email: 'ada@example.com', role: 'Developer' } });
    const euInvite = await call(EU, 'POST', `/v1/organizations/${euOrg.id}/invitations`, { token: euOrg.admin, body: { email: 'ada@example.com', role: 'Developer' } });
    expect([usInvite.status, euInvite.status]).toEqual([201, 201]);
    const first = await signIn(US, 'ada@example.com');
    expect((await call(US, 'POST', `/v1/invitations/${usInvite.body.id}/accept`, { token: first.accessToken })).status).toBe(200);
    // the eu stack accepts the token us signed (us's JWKS) and records ada as a member of its organization
    const accepted = await call(EU, 'POST', `/v1/invitations/${euInvite.body.id}/accept`, { token: first.accessToken });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ organizationId: euOrg.id, region: 'eu', role: 'Developer' });
    // eu has no account for ada: signing in there fails
    expect((await call(EU, 'POST', '/v1/sessions', { body: { email: 'ada@example.com', password: PASSWORD } })).status).toBe(401);

    // one sign-in at home lists both organizations with name, role and region
    const session = await eventually(async () => {
      const s = await signIn(US, 'ada@example.com');
      expect(s.organizations.map(({ id, name, region, role, status }) => ({ id, name, region, role, status }))).toEqual([
        { id: euOrg.id, name: 'Acme EU', region: 'eu', role: 'Developer', status: 'active' },
        { id: usOrg.id, name: 'Acme US', region: 'us', role: 'Developer', status: 'active' },
      ]);
      return s;
    });

    // picking the eu organization at home gives a token the eu stack accepts; ada works there
    const inEu = await pick(US, session.accessToken, euOrg.id);
    expect((await call(EU, 'GET', `/v1/organizations/${euOrg.id}`, { token: inEu })).status).toBe(200);
    const resource = await call(EU, 'POST', `/v1/organizations/${euOrg.id}/integrations`, {
      token: inEu,
      body: { name: markers.resource, kind: 'salesforce', secret: markers.secret },
    });
    expect(resource.status).toBe(201);
    const app = await eventually(async () => {
      const res = await call(EU, 'POST', `/v1/organizations/${euOrg.id}/apps`, {
        token: inEu,
        body: { name: 'Bot', definition: { pages: [{ title: markers.app }] }, requirements: [] },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    });
    expect(app).toBeTruthy();
    expect((await call(EU, 'PATCH', `/v1/organizations/${euOrg.id}/integrations/${resource.body.id}`, { token: inEu, body: { name: markers.audit } })).status).toBeLessThan(300);
    // the same token means nothing for the us organization, and a us token works in us
    expect((await call(US, 'GET', `/v1/organizations/${usOrg.id}`, { token: inEu })).status).toBeGreaterThanOrEqual(400);
    const inUs = await pick(US, session.accessToken, usOrg.id);
    expect((await call(US, 'POST', `/v1/organizations/${usOrg.id}/integrations`, { token: inUs, body: { name: 'US CRM', kind: 'salesforce' } })).status).toBe(201);

    // demoted in eu: the next eu request is decided from eu's current state, whatever the token says
    expect((await call(EU, 'PUT', `/v1/organizations/${euOrg.id}/members/${adaId}`, { token: euOrg.admin, body: { role: 'Agent' } })).status).toBe(200);
    const refused = await call(EU, 'POST', `/v1/organizations/${euOrg.id}/integrations`, { token: inEu, body: { name: 'more', kind: 'salesforce' } });
    expect(refused.status).toBe(403);
    // and the home region's list shows the new role within seconds
    await eventually(async () => {
      const s = await signIn(US, 'ada@example.com');
      expect(s.organizations.find((o) => o.id === euOrg.id)?.role).toBe('Agent');
    }, 15_000);

    // residency: every marker of eu's organization data is in eu's files and in none of us's
    for (const marker of [markers.resource, markers.app, markers.audit]) expect(containing(join(root, 'eu'), marker).length).toBeGreaterThan(0);
    for (const marker of Object.values(markers)) expect(containing(join(root, 'us'), marker)).toEqual([]);

    // eu goes down: ada still signs in at us and works in us; eu's organization is listed as unavailable
    await eu.kill('SIGKILL');
    const withoutEu = await eventually(async () => {
      const s = await signIn(US, 'ada@example.com');
      expect(s.organizations.find((o) => o.id === euOrg.id)).toMatchObject({ status: 'unavailable', region: 'eu', name: 'Acme EU' });
      return s;
    }, 15_000);
    const stillUs = await pick(US, withoutEu.accessToken, usOrg.id);
    expect((await call(US, 'POST', `/v1/organizations/${usOrg.id}/integrations`, { token: stillUs, body: { name: 'US CRM 2', kind: 'salesforce' } })).status).toBe(201);

    // eu comes back: its organization is listed as active again, with what it last sent
    eu.start();
    await eu.ready();
    await eventually(async () => {
      const s = await signIn(US, 'ada@example.com');
      expect(s.organizations.find((o) => o.id === euOrg.id)).toMatchObject({ status: 'active', role: 'Agent' });
    }, 15_000);
  });
});
