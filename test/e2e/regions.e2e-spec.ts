import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, eventually, verifyEmailFromOutbox } from './processes';
import { containing, RegionStack, topicContents } from './region-stack';

jest.setTimeout(1_500_000);

/** us: identity, organization, app-packaging on three ports from here; eu: ten ports further */
const PORT_BASE = Number(process.env.REGIONS_E2E_PORT ?? 30610);
/** each region's own Kafka (scripts/infra/kafka-start.sh with KAFKA_INSTANCE=us / eu, see .ci/run) */
const US_KAFKA = process.env.REGIONS_E2E_US_KAFKA ?? '127.0.0.1:19692';
const EU_KAFKA = process.env.REGIONS_E2E_EU_KAFKA ?? '127.0.0.1:19792';
const PASSWORD = 'correct horse battery staple';
const secret = () => randomBytes(24).toString('hex');

/**
 * Two regions on this machine, each a whole stack: identity, organization and app-packaging as separate
 * processes over the region's own Kafka broker, with their own SQLite stores, read models and object store;
 * the regions peered over their identity's public HTTP API (REGION_PEERS). One account in us works in an eu
 * organization, sees both after one sign-in, is demoted in eu and stopped there on the next request; eu goes
 * down and us keeps working; eu's organization data is in no file and no topic of us.
 */
describe('one account across regions (us and eu peered, each over its own Kafka)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ocp-regions-'));
  const usToken = `peer-us-${secret()}`;
  const euToken = `peer-eu-${secret()}`;
  const operator = `op-${secret()}`;
  const usPort = PORT_BASE;
  const euPort = PORT_BASE + 10;
  const us = new RegionStack('us', join(root, 'us'), usPort, US_KAFKA, { region: 'eu', identityPort: euPort, token: euToken }, usToken, operator);
  const eu = new RegionStack('eu', join(root, 'eu'), euPort, EU_KAFKA, { region: 'us', identityPort: usPort, token: usToken }, euToken, operator);
  const US = { I: us.identity.url, O: us.organization.url, P: us.packaging.url };
  const EU = { I: eu.identity.url, O: eu.organization.url, P: eu.packaging.url };
  const op = { token: operator };

  beforeAll(async () => {
    for (const broker of [US_KAFKA, EU_KAFKA]) {
      const reachable = await fetch(`http://${broker}`).then(
        () => true,
        (e: Error & { cause?: { code?: string } }) => e.cause?.code !== 'ECONNREFUSED',
      );
      if (!reachable) throw new Error(`Kafka is not reachable at ${broker}: start one broker per region (KAFKA_INSTANCE=us|eu scripts/infra/kafka-start.sh, see .ci/run)`);
    }
    await us.start();
    await eu.start();
  });
  afterAll(async () => {
    await Promise.all([us.kill(), eu.kill()]);
  });

  const signUp = async (base: string, region: 'us' | 'eu', email: string) => {
    const res = await call(base, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: email.split('@')[0] } });
    expect(res.status).toBe(201);
    await verifyEmailFromOutbox(base, join(root, region, 'identity'), email);
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
  const provision = async (stack: { I: string; O: string }, region: 'us' | 'eu', name: string, adminEmail: string) => {
    const org = await call(stack.O, 'POST', '/v1/organizations', { ...op, body: { name, region, admin: { email: adminEmail } } });
    expect(org.status).toBe(201);
    const adminId = await signUp(stack.I, region, adminEmail);
    const session = await signIn(stack.I, adminEmail);
    await eventually(async () => {
      expect((await call(stack.O, 'POST', `/v1/invitations/${org.body.admin.invitationId}/accept`, { token: session.accessToken })).status).toBe(200);
    });
    const admin = await eventually(() => pick(stack.I, session.accessToken, org.body.id));
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
    const adaId = await signUp(US.I, 'us', 'ada@example.com');
    expect(adaId).toMatch(/^usr-us-[0-9a-z]{26}$/);
    // she is invited to both organizations and accepts each with her one us sign-in
    const usInvite = await call(US.O, 'POST', `/v1/organizations/${usOrg.id}/invitations`, { token: usOrg.admin, body: { email: 'ada@example.com', role: 'Developer' } });
    const euInvite = await call(EU.O, 'POST', `/v1/organizations/${euOrg.id}/invitations`, { token: euOrg.admin, body: { email: 'ada@example.com', role: 'Developer' } });
    expect([usInvite.status, euInvite.status]).toEqual([201, 201]);
    const first = await signIn(US.I, 'ada@example.com');
    expect((await call(US.O, 'POST', `/v1/invitations/${usInvite.body.id}/accept`, { token: first.accessToken })).status).toBe(200);
    // the eu stack accepts the token us signed (us's JWKS) and records ada as a member of its organization
    const accepted = await call(EU.O, 'POST', `/v1/invitations/${euInvite.body.id}/accept`, { token: first.accessToken });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ organizationId: euOrg.id, region: 'eu', role: 'Developer' });
    // eu has no account for ada: signing in there fails
    expect((await call(EU.I, 'POST', '/v1/sessions', { body: { email: 'ada@example.com', password: PASSWORD } })).status).toBe(401);

    // one sign-in at home lists both organizations with name, role and region
    const session = await eventually(async () => {
      const s = await signIn(US.I, 'ada@example.com');
      expect(s.organizations.map(({ id, name, region, role, status }) => ({ id, name, region, role, status }))).toEqual([
        { id: euOrg.id, name: 'Acme EU', region: 'eu', role: 'Developer', status: 'active' },
        { id: usOrg.id, name: 'Acme US', region: 'us', role: 'Developer', status: 'active' },
      ]);
      return s;
    });

    // picking the eu organization at home gives a token the eu stack accepts; ada works there
    const inEu = await pick(US.I, session.accessToken, euOrg.id);
    expect((await call(EU.O, 'GET', `/v1/organizations/${euOrg.id}`, { token: inEu })).status).toBe(200);
    const resource = await call(EU.O, 'POST', `/v1/organizations/${euOrg.id}/integrations`, {
      token: inEu,
      body: { name: markers.resource, kind: 'salesforce', secret: markers.secret },
    });
    expect(resource.status).toBe(201);
    const app = await eventually(async () => {
      const res = await call(EU.P, 'POST', `/v1/organizations/${euOrg.id}/apps`, {
        token: inEu,
        body: { name: 'Bot', definition: { pages: [{ title: markers.app }] }, requirements: [] },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    });
    expect(app).toBeTruthy();
    expect((await call(EU.O, 'PATCH', `/v1/organizations/${euOrg.id}/integrations/${resource.body.id}`, { token: inEu, body: { name: markers.audit } })).status).toBeLessThan(300);
    // the same token means nothing for the us organization, and a us token works in us
    expect((await call(US.O, 'GET', `/v1/organizations/${usOrg.id}`, { token: inEu })).status).toBeGreaterThanOrEqual(400);
    const inUs = await pick(US.I, session.accessToken, usOrg.id);
    expect((await call(US.O, 'POST', `/v1/organizations/${usOrg.id}/integrations`, { token: inUs, body: { name: 'US CRM', kind: 'salesforce' } })).status).toBe(201);

    // demoted in eu: the next eu request is decided from eu's current state, whatever the token says
    expect((await call(EU.O, 'PUT', `/v1/organizations/${euOrg.id}/members/${adaId}`, { token: euOrg.admin, body: { role: 'Agent' } })).status).toBe(200);
    const refused = await call(EU.O, 'POST', `/v1/organizations/${euOrg.id}/integrations`, { token: inEu, body: { name: 'more', kind: 'salesforce' } });
    expect(refused.status).toBe(403);
    // and the home region's list shows the new role within seconds
    await eventually(async () => {
      const s = await signIn(US.I, 'ada@example.com');
      expect(s.organizations.find((o) => o.id === euOrg.id)?.role).toBe('Agent');
    }, 15_000);

    // residency: every marker of eu's organization data is in eu's files (and the resource's in eu's topics: the
    // scans find what is there), and in no file and no topic of us
    for (const marker of [markers.resource, markers.app, markers.audit]) expect(containing(join(root, 'eu'), marker).length).toBeGreaterThan(0);
    expect((await topicContents(EU_KAFKA)).includes(Buffer.from(markers.resource))).toBe(true);
    const usTopics = await topicContents(US_KAFKA);
    expect(usTopics.includes(Buffer.from(adaId))).toBe(true);
    for (const marker of Object.values(markers)) {
      expect(containing(join(root, 'us'), marker)).toEqual([]);
      expect(usTopics.includes(Buffer.from(marker))).toBe(false);
    }

    // eu goes down: ada still signs in at us and works in us; eu's organization is listed as unavailable
    await eu.kill();
    const withoutEu = await eventually(async () => {
      const s = await signIn(US.I, 'ada@example.com');
      expect(s.organizations.find((o) => o.id === euOrg.id)).toMatchObject({ status: 'unavailable', region: 'eu', name: 'Acme EU' });
      return s;
    }, 15_000);
    const stillUs = await pick(US.I, withoutEu.accessToken, usOrg.id);
    expect((await call(US.O, 'POST', `/v1/organizations/${usOrg.id}/integrations`, { token: stillUs, body: { name: 'US CRM 2', kind: 'salesforce' } })).status).toBe(201);

    // eu comes back: its organization is listed as active again, with what it last sent
    await eu.start();
    await eventually(async () => {
      const s = await signIn(US.I, 'ada@example.com');
      expect(s.organizations.find((o) => o.id === euOrg.id)).toMatchObject({ status: 'active', role: 'Agent' });
    }, 15_000);
  });
});
