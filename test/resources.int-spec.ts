import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Flow } from './support/flow';
import { OrganizationRepository } from '../apps/organization/src/organizations/organization.repository';
import { SecretBox } from '../apps/organization/src/resources/secret-box';
import { OPERATOR_TOKEN, startApp, TestApp } from './support/harness';

jest.setTimeout(30_000);

describe('org-level resources over HTTP', () => {
  let app: TestApp;
  let flow: Flow;
  let org: string;
  let admin: string, developer: string, agent: string;
  const SECRET = 'sk_live_Sup3rSecretValue-never-to-be-seen';

  beforeAll(async () => {
    app = await startApp();
    flow = new Flow(app);
    await flow.user('admin@example.com');
    await flow.user('dev@example.com');
    await flow.user('agent@example.com');
    org = (await flow.organization('Resources Inc', 'admin@example.com')).id;
    admin = await flow.scoped('admin@example.com', org);
    developer = await flow.join(org, admin, 'dev@example.com', 'Developer');
    agent = await flow.join(org, admin, 'agent@example.com', 'Agent');
  });
  afterAll(async () => app?.close());

  let crm: string;

  it('lets a Developer integrate a resource; the secret is write-only', async () => {
    const res = await app.request('POST', `/v1/organizations/${org}/integrations`, {
      token: developer,
      body: { name: 'CRM', kind: 'salesforce', config: { instanceUrl: 'https://acme.my.salesforce.com' }, secret: SECRET },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^res-/),
      type: 'integration',
      kind: 'salesforce',
      name: 'CRM',
      status: 'active',
      config: { instanceUrl: 'https://acme.my.salesforce.com' },
      hasSecret: true,
    });
    crm = res.body.id;
    const read = await app.request('GET', `/v1/organizations/${org}/integrations/${crm}`, { token: agent });
    expect(read.status).toBe(403);
    const listed = await app.request('GET', `/v1/organizations/${org}/integrations`, { token: developer });
    expect(JSON.stringify(listed.body)).not.toContain(SECRET);
    expect(listed.body.items).toHaveLength(1);
  });

  it('refuses an Agent (403), a duplicate name of the same kind (409), bad input (400)', async () => {
    const body = { name: 'CRM', kind: 'salesforce' };
    expect((await app.request('POST', `/v1/organizations/${org}/integrations`, { token: agent, body })).status).toBe(403);
    const dup = await app.request('POST', `/v1/organizations/${org}/integrations`, { token: admin, body: { name: 'crm', kind: 'salesforce' } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('resource-name-taken');
    const otherKind = await app.request('POST', `/v1/organizations/${org}/integrations`, { token: admin, body: { name: 'CRM', kind: 'http-api' } });
    expect(otherKind.status).toBe(201);
    for (const bad of [
      { name: 'X', kind: 'ftp' },
      { name: 'X', kind: 'smtp', config: 'host=x' },
      { name: 'X', kind: 'smtp', config: { big: 'x'.repeat(17 * 1024) } },
      { name: 'X', kind: 'smtp', secret: 42 },
    ]) {
      expect((await app.request('POST', `/v1/organizations/${org}/integrations`, { token: admin, body: bad })).status).toBe(400);
    }
  });

  it('registers phone numbers in E.164 and refuses a duplicate number', async () => {
    const ok = await app.request('POST', `/v1/organizations/${org}/phone-numbers`, {
      token: developer,
      body: { number: '+14155550100', provider: 'twilio', capabilities: ['sms', 'voice'] },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ type: 'phone-number', kind: 'phone-number', name: '+14155550100', number: '+14155550100', capabilities: ['sms', 'voice'] });
    const dup = await app.request('POST', `/v1/organizations/${org}/phone-numbers`, {
      token: developer,
      body: { number: '+14155550100', provider: 'twilio', capabilities: ['sms'], name: 'Other' },
    });
    expect(dup.status).toBe(409);
    for (const bad of [
      { number: '4155550100', provider: 'twilio', capabilities: ['sms'] },
      { number: '+14155550101', provider: 'vonage', capabilities: ['sms'] },
      { number: '+14155550101', provider: 'twilio', capabilities: ['fax'] },
      { number: '+14155550101', provider: 'twilio', capabilities: [] },
    ]) {
      expect((await app.request('POST', `/v1/organizations/${org}/phone-numbers`, { token: developer, body: bad })).status).toBe(400);
    }
    expect((await app.request('GET', `/v1/organizations/${org}/phone-numbers`, { token: developer })).body.items).toHaveLength(1);
    expect((await app.request('GET', `/v1/organizations/${org}/faxes`, { token: developer })).status).toBe(404);
  });

  it('updates (a new secret stays sealed), disables, enables and deletes', async () => {
    const updated = await app.request('PATCH', `/v1/organizations/${org}/integrations/${crm}`, {
      token: developer,
      body: { config: { instanceUrl: 'https://acme2.my.salesforce.com' }, secret: `${SECRET}-rotated` },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.config.instanceUrl).toBe('https://acme2.my.salesforce.com');
    const disabled = await app.request('POST', `/v1/organizations/${org}/integrations/${crm}/disable`, { token: developer });
    expect(disabled.body.status).toBe('disabled');
    const enabled = await app.request('POST', `/v1/organizations/${org}/integrations/${crm}/enable`, { token: developer });
    expect(enabled.body.status).toBe('active');
    expect((await app.request('POST', `/v1/organizations/${org}/phone-numbers/${crm}/disable`, { token: developer })).status).toBe(404);
    const temp = await app.request('POST', `/v1/organizations/${org}/integrations`, { token: admin, body: { name: 'Mailer', kind: 'smtp' } });
    expect((await app.request('DELETE', `/v1/organizations/${org}/integrations/${temp.body.id}`, { token: agent })).status).toBe(403);
    expect((await app.request('DELETE', `/v1/organizations/${org}/integrations/${temp.body.id}`, { token: admin })).status).toBe(204);
    expect((await app.request('GET', `/v1/organizations/${org}/integrations/${temp.body.id}`, { token: admin })).status).toBe(404);
  });

  it('keeps secrets sealed with the organization key: never in clear in an event, the audit or a published message', async () => {
    await app.organization.relay.flush();
    const db = new Database(join(app.dataDir, 'organization', 'events.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT data FROM events').all() as { data: string }[];
    db.close();
    const everything = rows.map((r) => r.data).join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('Sup3rSecret');
    const audit = await app.request('GET', `/v1/organizations/${org}/audit?limit=200`, { token: admin });
    expect(JSON.stringify(audit.body)).not.toContain('Sup3rSecret');
    expect(audit.body.items.find((e: { action: string; subject: string }) => e.action === 'resource.created' && e.subject === `resource:${crm}`).details.secret).toBe('set');
    // and it can be opened again with the organization's key (the envelope encryption works)
    const { state } = await app.organization.get(OrganizationRepository).load(org);
    const sealed = state.resources.get(crm)!.secret!;
    expect(app.organization.get(SecretBox).openFor(state.wrappedKey!, sealed)).toBe(`${SECRET}-rotated`);
  });

  it('publishes every resource change as an integration event without config or secret', async () => {
    const published: string[] = [];
    await app.bus.subscribe('organization.events.v1', 'test-observer', async (m) => {
      published.push(m.value);
    });
    await app.request('POST', `/v1/organizations/${org}/integrations/${crm}/disable`, { token: developer });
    await app.organization.relay.flush();
    const last = JSON.parse(published[published.length - 1]);
    expect(last).toMatchObject({
      type: 'ResourceDisabled',
      subject: org,
      data: { organizationId: org, resourceId: crm, resourceType: 'integration', kind: 'salesforce', name: 'CRM', status: 'disabled' },
    });
    expect(published.join('')).not.toContain('instanceUrl');
  });

  it('lets the operator read resources', async () => {
    expect((await app.request('GET', `/v1/organizations/${org}/integrations`, { token: OPERATOR_TOKEN })).status).toBe(200);
  });
});
