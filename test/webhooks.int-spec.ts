import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Flow } from './support/flow';
import { eventually, OPERATOR_TOKEN, startApp, TestApp } from './support/harness';

jest.setTimeout(60_000);

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** a webhook receiver on loopback; `answer` decides each response */
class Receiver {
  readonly received: Received[] = [];
  answer: (req: IncomingMessage, res: ServerResponse, hit: Received) => void = (_req, res) => res.end('ok');
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const hit = { path: req.url ?? '', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(hit);
        this.answer(req, res, hit);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(path: string) {
    return this.received.filter((r) => r.path === path);
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('webhooks out', () => {
  let app: TestApp;
  let flow: Flow;
  let org: string;
  let admin: string;
  let developer: string;
  const receiver = new Receiver();

  beforeAll(async () => {
    await receiver.start();
    app = await startApp({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // the third retry comes after the disable window: an endpoint failing every attempt is disabled then
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.02,0.02,1.5',
      WEBHOOK_DISABLE_AFTER_SECONDS: '1',
      WEBHOOK_TIMEOUT_MS: '1000',
    });
    flow = new Flow(app);
    await flow.user('admin@example.com');
    await flow.user('dev@example.com');
    org = (await flow.organization('Hooks Inc', 'admin@example.com')).id;
    admin = await flow.scoped('admin@example.com', org);
    developer = await flow.join(org, admin, 'dev@example.com', 'Developer');
  });
  afterAll(async () => {
    await app?.close();
    await receiver.stop();
  });

  const register = (body: Record<string, unknown>, token = admin) => app.request('POST', `/v1/organizations/${org}/webhooks`, { token, body });
  const invite = (email: string) => app.request('POST', `/v1/organizations/${org}/invitations`, { token: admin, body: { email, role: 'Agent' } });

  it('registers an endpoint for Admins only; the secret is shown once and stored sealed', async () => {
    expect((await register({ url: `${receiver.url}/dev` }, developer)).status).toBe(403);
    const res = await register({ url: `${receiver.url}/a`, eventTypes: ['InvitationCreated'], description: 'CRM sync' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^whe-/),
      url: `${receiver.url}/a`,
      eventTypes: ['InvitationCreated'],
      description: 'CRM sync',
      status: 'active',
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const listed = await app.request('GET', `/v1/organizations/${org}/webhooks`, { token: admin });
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(res.body.secret);
    const events = await app.organization.store.readStream(`webhooks-${org}`);
    expect(JSON.stringify(events)).not.toContain(res.body.secret.slice(6));
  });

  it('refuses bad input: unknown event types (400), a credentialed or non-http URL (422/400)', async () => {
    expect((await register({ url: `${receiver.url}/x`, eventTypes: ['NoSuchEvent'] })).status).toBe(400);
    const creds = await register({ url: 'http://user:pw@127.0.0.1:1/x' });
    expect(creds.status).toBe(422);
    expect(creds.body.code).toBe('webhook-url-refused');
    expect((await register({ url: 'gopher://127.0.0.1/x' })).status).toBe(422);
    expect((await register({ url: `${receiver.url}/x`, extra: true })).status).toBe(400);
  });

  it('delivers the subscribed events signed per Standard Webhooks (verified with the standardwebhooks library)', async () => {
    const res = await register({ url: `${receiver.url}/signed`, eventTypes: ['InvitationCreated', 'InvitationRevoked'] });
    const verifier = new Webhook(res.body.secret);
    const invited = await invite('carol@example.com');
    expect(invited.status).toBe(201);
    const [hit] = await eventually(async () => {
      const hits = receiver.on('/signed');
      if (hits.length === 0) throw new Error('no delivery yet');
      return hits;
    });
    const payload = verifier.verify(hit.body, hit.headers) as { type: string; organizationId: string; data: { email: string } };
    expect(payload).toMatchObject({ type: 'InvitationCreated', organizationId: org, data: { email: 'carol@example.com' } });
    expect(hit.headers['webhook-id']).toMatch(/^msg_/);
    expect(hit.headers['content-type']).toBe('application/json');
    // a forged or altered body does not verify
    expect(() => verifier.verify(hit.body.replace('carol', 'mallory'), hit.headers)).toThrow();
    // an event type it did not subscribe to is not delivered
    await app.request('PATCH', `/v1/organizations/${org}`, { token: admin, body: { name: 'Hooks Renamed' } });
    await invite('dave@example.com');
    await eventually(async () => expect(receiver.on('/signed')).toHaveLength(2));
    expect(receiver.on('/signed').map((h) => (JSON.parse(h.body) as { type: string }).type)).toEqual(['InvitationCreated', 'InvitationCreated']);
  });

  it('retries with backoff, lists attempts per endpoint (paginated) and replays one delivery', async () => {
    let calls = 0;
    const res = await register({ url: `${receiver.url}/flaky`, eventTypes: ['InvitationCreated'] });
    const endpoint = res.body.id as string;
    receiver.answer = (req, r) => {
      if (req.url === '/flaky' && ++calls <= 2) {
        r.writeHead(500);
        return r.end('down');
      }
      r.end('ok');
    };
    await invite('erin@example.com');
    const base = `/v1/organizations/${org}/webhooks/${endpoint}`;
    const deliveries = await eventually(async () => {
      const d = await app.request('GET', `${base}/deliveries`, { token: admin });
      expect(d.body.items[0]).toMatchObject({ status: 'succeeded', attempts: 3, lastResponseCode: 200, eventType: 'InvitationCreated' });
      return d.body.items as { id: string; messageId: string }[];
    }, 15_000);
    const attempts = await app.request('GET', `${base}/attempts`, { token: admin });
    expect(attempts.body.items.map((a: { status: string; responseCode: number }) => [a.status, a.responseCode])).toEqual([
      ['succeeded', 200],
      ['failed', 500],
      ['failed', 500],
    ]);
    expect(attempts.body.items[2]).toMatchObject({ error: 'HTTP 500', latencyMs: expect.any(Number), trigger: 'scheduled' });
    const page1 = await app.request('GET', `${base}/attempts?limit=2`, { token: admin });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await app.request('GET', `${base}/attempts?limit=2&cursor=${page1.body.nextCursor}`, { token: admin });
    expect(page2.body).toMatchObject({ items: [{ status: 'failed' }], nextCursor: null });

    const replay = await app.request('POST', `${base}/deliveries/${deliveries[0].id}/replay`, { token: admin });
    expect(replay.status).toBe(202);
    await eventually(async () => expect(receiver.on('/flaky')).toHaveLength(4));
    const hits = receiver.on('/flaky');
    expect(hits[3].headers['webhook-id']).toBe(hits[0].headers['webhook-id']); // the receiver can drop the repeat
    await eventually(async () => {
      const a = await app.request('GET', `${base}/attempts?limit=1`, { token: admin });
      expect(a.body.items[0]).toMatchObject({ status: 'succeeded', trigger: 'replay' });
    });
    expect((await app.request('POST', `${base}/deliveries/999999/replay`, { token: admin })).status).toBe(404);
    expect((await app.request('POST', `${base}/deliveries/${deliveries[0].id}/replay`, { token: developer })).status).toBe(403);
  });

  it('does not follow redirects, and disables an endpoint that keeps failing with the reason visible', async () => {
    const res = await register({ url: `${receiver.url}/moved`, eventTypes: ['InvitationCreated'] });
    receiver.answer = (req, r) => {
      if (req.url === '/moved') {
        r.writeHead(302, { location: `${receiver.url}/elsewhere` });
        return r.end();
      }
      r.end('ok');
    };
    await invite('frank@example.com');
    const view = await eventually(async () => {
      const v = await app.request('GET', `/v1/organizations/${org}/webhooks/${res.body.id}`, { token: admin });
      expect(v.body.status).toBe('disabled');
      return v.body;
    }, 10_000);
    expect(view.disabledReason).toContain('redirect (302) not followed');
    // the delivery worker's disabling is audited as the system's doing, with the reason
    await eventually(async () => {
      const audit = await app.request('GET', `/v1/organizations/${org}/audit?subject=webhook:${res.body.id}&action=webhook.disabled`, { token: admin });
      expect(audit.body.items).toEqual([expect.objectContaining({ actor: 'system', details: { reason: view.disabledReason } })]);
    });
    expect(receiver.on('/elsewhere')).toHaveLength(0);
    const attempts = await app.request('GET', `/v1/organizations/${org}/webhooks/${res.body.id}/attempts`, { token: admin });
    expect(attempts.body.items[0]).toMatchObject({ status: 'failed', responseCode: 302 });
    // an Admin enables it again once the receiver is fixed: the pending delivery goes out
    receiver.answer = (_req, r) => r.end('ok');
    const enabled = await app.request('POST', `/v1/organizations/${org}/webhooks/${res.body.id}/enable`, { token: admin });
    expect(enabled.body).toMatchObject({ status: 'active', disabledReason: null });
  });

  it('rotates the secret (the next deliveries verify only with the new one), updates and deletes', async () => {
    receiver.answer = (_req, r) => r.end('ok');
    const res = await register({ url: `${receiver.url}/rot`, eventTypes: ['InvitationCreated'] });
    const base = `/v1/organizations/${org}/webhooks/${res.body.id}`;
    const rotated = await app.request('POST', `${base}/rotate-secret`, { token: admin });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(res.body.secret);
    await invite('gina@example.com');
    const [hit] = await eventually(async () => {
      const h = receiver.on('/rot');
      if (h.length === 0) throw new Error('none yet');
      return h;
    });
    expect(() => new Webhook(rotated.body.secret).verify(hit.body, hit.headers)).not.toThrow();
    expect(() => new Webhook(res.body.secret).verify(hit.body, hit.headers)).toThrow();

    const updated = await app.request('PATCH', base, { token: admin, body: { description: 'renamed', eventTypes: ['MemberAdded'] } });
    expect(updated.body).toMatchObject({ description: 'renamed', eventTypes: ['MemberAdded'] });
    expect((await app.request('DELETE', base, { token: admin })).status).toBe(204);
    expect((await app.request('GET', base, { token: admin })).status).toBe(410);
    expect((await app.request('GET', `/v1/organizations/${org}/webhooks/whe-nope`, { token: admin })).status).toBe(404);

    // every configuration change is in the organization's audit, by whom, never with a secret
    const entries = await eventually(async () => {
      const audit = await app.request('GET', `/v1/organizations/${org}/audit?subject=webhook:${res.body.id}`, { token: admin });
      expect(audit.status).toBe(200);
      expect(audit.body.items).toHaveLength(4);
      return audit.body.items as { action: string; actor: string; details: Record<string, unknown> }[];
    });
    expect(entries.map((e) => e.action).sort()).toEqual(['webhook.deleted', 'webhook.registered', 'webhook.secret_rotated', 'webhook.updated']);
    expect(entries.find((e) => e.action === 'webhook.updated')?.details).toMatchObject({ description: 'renamed', eventTypes: ['MemberAdded'] });
    expect(new Set(entries.map((e) => e.actor)).size).toBe(1);
    expect(JSON.stringify(entries)).not.toContain(rotated.body.secret);
    expect(JSON.stringify(entries)).not.toContain(res.body.secret);
  });

  it('an operator may manage webhooks too; another organization cannot see them', async () => {
    const list = await app.request('GET', `/v1/organizations/${org}/webhooks`, { token: OPERATOR_TOKEN });
    expect(list.status).toBe(200);
    const other = (await flow.organization('Other Org', 'dev@example.com')).id;
    const devThere = await flow.scoped('dev@example.com', other);
    expect((await app.request('GET', `/v1/organizations/${org}/webhooks`, { token: devThere })).status).toBe(403);
  });
});

describe('webhooks to private addresses without WEBHOOK_ALLOW_PRIVATE', () => {
  let app: TestApp;
  let org: string;
  let admin: string;

  beforeAll(async () => {
    app = await startApp();
    const flow = new Flow(app);
    await flow.user('owner@example.com');
    org = (await flow.organization('Strict Inc', 'owner@example.com')).id;
    admin = await flow.scoped('owner@example.com', org);
  });
  afterAll(async () => app?.close());

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://10.0.0.5/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0.0.0.0/hook',
    'http://[fd00:ec2::254]/hook',
  ])('refuses %s at registration (422)', async (url) => {
    const res = await app.request('POST', `/v1/organizations/${org}/webhooks`, { token: admin, body: { url } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'webhook-url-refused', detail: expect.stringContaining('not a public address') });
  });
});
