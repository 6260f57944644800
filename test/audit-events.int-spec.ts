import { AUDIT_INGEST_TOPIC } from '@lib/contracts';
import { BusMessage } from '@lib/messaging';
import { Flow } from './support/flow';
import { eventually, OPERATOR_TOKEN, startApp, TestApp } from './support/harness';

jest.setTimeout(90_000);

/** an audit.ingest.v1 record as another team's service writes it (CloudEvents binary mode) */
function ingestRecord(id: string, data: Record<string, unknown>, headers: Record<string, string> = {}): BusMessage {
  return {
    topic: AUDIT_INGEST_TOPIC,
    key: String(data.organizationId ?? 'x'),
    value: JSON.stringify(data),
    headers: {
      ce_id: id,
      ce_source: '/services/app-studio',
      ce_type: 'io.controlplane.AuditEvent',
      ce_specversion: '1.0',
      ce_time: String(data.time ?? ''),
      ce_subject: String(data.subject ?? ''),
      'content-type': 'application/json',
      ...headers,
    },
  };
}

describe('the organization audit trail: audit events in, app-packaging actions, filters and JSONL export', () => {
  let app: TestApp;
  let flow: Flow;
  let org: string;
  let ada: string;
  let adaId: string;
  let dev: string;
  const deadLetters: BusMessage[] = [];
  const op = { token: OPERATOR_TOKEN };

  beforeAll(async () => {
    app = await startApp();
    flow = new Flow(app);
    adaId = (await flow.user('ada@example.com')).id;
    await flow.user('dee@example.com');
    org = (await flow.organization('Acme', 'ada@example.com')).id;
    ada = await flow.scoped('ada@example.com', org);
    dev = await flow.join(org, ada, 'dee@example.com', 'Developer');
    await app.bus.subscribe(`${AUDIT_INGEST_TOPIC}.dlq`, 'test', async (m) => {
      deadLetters.push(m);
    });
  });
  afterAll(async () => app?.close());

  const audit = (query = '', token = ada) => app.request('GET', `/v1/organizations/${org}/audit${query}`, { token });

  describe('audit.ingest.v1', () => {
    const event = () => ({
      organizationId: org,
      actor: adaId,
      action: 'app.deployed',
      subject: 'app:app-123',
      details: { environment: 'production', version: 3 },
      time: '2026-11-30T12:00:00.000Z',
    });

    it('records an internal service\'s audit event once by event id, attributed to the producing service', async () => {
      await app.bus.publish([ingestRecord('studio-1', event())]);
      await app.bus.publish([ingestRecord('studio-1', event())]); // redelivered
      const page = await eventually(async () => {
        const res = await audit('?action=app.deployed');
        expect(res.body.items).toHaveLength(1);
        return res.body;
      });
      expect(page.items[0]).toEqual({
        at: '2026-11-30T12:00:00.000Z',
        actor: adaId,
        action: 'app.deployed',
        subject: 'app:app-123',
        details: { environment: 'production', version: 3 },
        source: '/services/app-studio',
        eventId: 'studio-1',
      });
      // the same id from another producer is another event
      await app.bus.publish([ingestRecord('studio-1', event(), { ce_source: '/services/runtime' })]);
      await eventually(async () => {
        const res = await audit('?action=app.deployed');
        expect(res.body.items.map((e: { source: string }) => e.source)).toEqual(['/services/runtime', '/services/app-studio']);
      });
    });

    it.each([
      ['not JSON', () => ingestRecord('bad-1', event()), '{oops', /^not JSON: /],
      ['without CloudEvents headers', (): BusMessage => ({ ...ingestRecord('bad-2', event()), headers: { 'content-type': 'application/json' } }), null, /^missing CloudEvents header\(s\): ce_id, ce_source, ce_type, ce_specversion$/],
      ['of another ce_type', () => ingestRecord('bad-3', event(), { ce_type: 'com.example.Other' }), null, /^unknown ce_type com\.example\.Other/],
      ['without an actor', () => ingestRecord('bad-4', { ...event(), actor: undefined }), null, /^invalid AuditEvent: actor: Required$/],
      ['with an action that is not dotted', () => ingestRecord('bad-5', { ...event(), action: 'Deployed' }), null, /^invalid AuditEvent: action: a dotted lower-case name/],
      ['with nested details', () => ingestRecord('bad-6', { ...event(), details: { deep: { deeper: 1 } } }), null, /^invalid AuditEvent: details\.deep: /],
      ['with an unknown field', () => ingestRecord('bad-7', { ...event(), extra: 1 }), null, /^invalid AuditEvent: \(root\): Unrecognized key\(s\) in object: 'extra'$/],
      ['naming an organization of another region', () => ingestRecord('bad-8', { ...event(), organizationId: 'org-eu-01jabcdefghjkmnpqrstvwxyz0' }), null, /^organization org-eu-01jabcdefghjkmnpqrstvwxyz0 is in region eu; this stack serves us$/],
      ['naming an organization that does not exist here', () => ingestRecord('bad-9', { ...event(), organizationId: 'org-us-01jabcdefghjkmnpqrstvwxyz0' }), null, /^organization org-us-01jabcdefghjkmnpqrstvwxyz0 does not exist in region us$/],
    ])('refuses a record %s: dead letter with the reason, nothing recorded', async (_name, build, value, reason) => {
      // built when the test runs: the organization and the users exist only after beforeAll
      const record = build();
      const message = value === null ? record : { ...record, value };
      await app.bus.publish([message]);
      const dead = await eventually(async () => {
        const found = deadLetters.find((m) => m.value === message.value && m.headers.ce_id === message.headers.ce_id);
        expect(found).toBeDefined();
        return found!;
      });
      expect(dead.headers['dead-letter-reason']).toMatch(reason);
      expect(dead.headers['dead-letter-source-topic']).toBe(AUDIT_INGEST_TOPIC);
      expect(dead.key).toBe(message.key);
      // nothing recorded: the trail holds only the first test's two entries from other services
      const res = await audit('?limit=200');
      expect(res.body.items.filter((e: { eventId?: string }) => e.eventId !== undefined).map((e: { source: string }) => e.source)).toEqual([
        '/services/runtime',
        '/services/app-studio',
      ]);
    });
  });

  describe('app-packaging actions, learned from its integration events', () => {
    it('create, bind, update, publish, export and import show in the organization\'s trail, with who did it and the package checksum', async () => {
      const crm = await app.request('POST', `/v1/organizations/${org}/integrations`, { token: ada, body: { name: 'CRM', kind: 'salesforce' } });
      expect(crm.status).toBe(201);
      const created = await eventually(async () => {
        const res = await app.request('POST', `/v1/organizations/${org}/apps`, {
          token: dev,
          body: { name: 'Support Bot', definition: { pages: [] }, requirements: [{ slot: 'crm', kind: 'salesforce' }] },
        });
        expect(res.status).toBe(201);
        return res.body;
      });
      const appId = created.id;
      await eventually(async () => {
        const r = await app.request('PUT', `/v1/organizations/${org}/apps/${appId}/bindings/crm`, { token: dev, body: { resourceId: crm.body.id } });
        expect(r.status).toBe(200);
      });
      expect((await app.request('PATCH', `/v1/organizations/${org}/apps/${appId}`, { token: dev, body: { definition: { pages: [{ title: 'v2' }] } } })).status).toBe(200);
      expect((await app.request('POST', `/v1/organizations/${org}/apps/${appId}/publish`, { token: dev })).status).toBe(200);
      const exported = await app.request('POST', `/v1/organizations/${org}/apps/${appId}/exports`, { token: ada });
      expect(exported.status).toBe(201);
      const download = await app.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: exported.body.download, headers: { authorization: `Bearer ${ada}` } });
      // the package comes back into the organization it left: since apps carry a stable key, that is an upgrade
      const imported = await app.request('POST', `/v1/organizations/${org}/apps/imports?mode=upgrade`, {
        token: dev,
        raw: download.rawPayload as unknown as string,
        headers: { 'content-type': 'application/zip' },
      });
      expect(imported.status).toBe(201);

      const entries = await eventually(async () => {
        const res = await audit('?action=app.*&limit=200');
        const fromPackaging = res.body.items.filter((e: { source: string }) => e.source === 'app-packaging');
        expect(fromPackaging).toHaveLength(6);
        return fromPackaging as { action: string; actor: string; subject: string; details: Record<string, unknown>; source: string }[];
      });
      expect(entries.map((e) => e.action).reverse()).toEqual(['app.created', 'app.bound', 'app.updated', 'app.published', 'app.exported', 'app.imported']);
      expect(entries.every((e) => e.source === 'app-packaging')).toBe(true);
      const byAction = Object.fromEntries(entries.map((e) => [e.action, e]));
      expect(byAction['app.created']).toMatchObject({ subject: `app:${appId}`, details: { name: 'Support Bot' } });
      expect(byAction['app.bound']).toMatchObject({ details: { slot: 'crm', resourceId: crm.body.id } });
      expect(byAction['app.exported']).toMatchObject({ actor: expect.not.stringMatching(byAction['app.created'].actor), details: { sha256: exported.body.sha256, version: 2 } });
      expect(byAction['app.imported']).toMatchObject({ subject: `app:${imported.body.id}`, details: { sha256: exported.body.sha256, sourceOrganizationId: org, crossRegion: false } });
    });
  });

  describe('filters and export', () => {
    it('filters by actor, subject, action and time range, combined', async () => {
      const all = (await audit('?limit=200')).body.items as { at: string; actor: string; action: string; subject: string }[];
      expect(all.length).toBeGreaterThan(10);
      const byOperator = (await audit('?actor=operator&limit=200')).body.items;
      expect(byOperator.length).toBeGreaterThan(0);
      expect(byOperator).toEqual(all.filter((e) => e.actor === 'operator'));
      const bySubject = (await audit(`?subject=${encodeURIComponent('app:app-123')}&limit=200`)).body.items;
      expect(bySubject).toEqual(all.filter((e) => e.subject === 'app:app-123'));
      const members = (await audit('?action=member.*&limit=200')).body.items;
      expect(members.map((e: { action: string }) => e.action).sort()).toEqual(all.filter((e) => e.action.startsWith('member.')).map((e) => e.action).sort());
      const times = [...new Set(all.map((e) => e.at))].sort();
      const [from, to] = [times[1], times[times.length - 1]];
      const ranged = (await audit(`?from=${from}&to=${to}&limit=200`)).body.items;
      expect(ranged).toEqual(all.filter((e) => e.at >= from && e.at < to));
      const combined = (await audit(`?actor=operator&action=organization.provisioned`)).body.items;
      expect(combined).toHaveLength(1);
      // `_` and `%` are not wildcards
      expect((await audit('?action=app_.*')).body.items).toEqual([]);
    });

    it('pages with a cursor; the JSONL export pages the same way with x-next-cursor', async () => {
      const all = (await audit('?limit=200')).body.items;
      const first = await app.request('GET', `/v1/organizations/${org}/audit/export?limit=4`, { token: ada });
      expect(first.status).toBe(200);
      expect(first.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = String(typeof first.body === 'string' ? first.body : JSON.stringify(first.body)).trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l))).toEqual(all.slice(0, 4));
      const cursor = String(first.headers['x-next-cursor']);
      expect(cursor).toMatch(/^\d+$/);
      const second = await audit(`?limit=4&cursor=${cursor}`);
      expect(second.body.items).toEqual(all.slice(4, 8));
      let exported: unknown[] = [];
      let next: string | undefined;
      do {
        const page = await app.request('GET', `/v1/organizations/${org}/audit/export?limit=7${next ? `&cursor=${next}` : ''}`, op);
        const text = typeof page.body === 'string' ? page.body : `${JSON.stringify(page.body)}\n`;
        exported = exported.concat(text.trimEnd().split('\n').filter(Boolean).map((l: string) => JSON.parse(l)));
        next = page.headers['x-next-cursor'] as string | undefined;
      } while (next);
      expect(exported).toEqual(all);
    });

    it('refuses bad filters (400) and non-Admins (403)', async () => {
      for (const query of ['?from=yesterday', '?to=2026-13-01', '?action=App.Created', '?limit=0', '?cursor=-1', '?actor=' + 'x'.repeat(201)]) {
        const res = await audit(query);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect((await audit('', dev)).status).toBe(403);
      expect((await app.request('GET', `/v1/organizations/${org}/audit/export`, { token: dev })).status).toBe(403);
    });
  });
});
