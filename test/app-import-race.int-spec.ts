import { AggregateRepository } from '@lib/eventstore';
import { buildPackage } from '../apps/app-packaging/src/packages/package-format';
import { Flow } from './support/flow';
import { eventually, startApp, TestApp } from './support/harness';

jest.setTimeout(90_000);

/** issue 12: racing first imports of one app key into one organization create exactly one app */
describe('racing first imports of the same app key', () => {
  let app: TestApp;
  let org: string;
  let admin: string;

  beforeAll(async () => {
    app = await startApp();
    const flow = new Flow(app);
    await flow.user('race@example.com');
    org = (await flow.organization('Race', 'race@example.com')).id;
    admin = await flow.scoped('race@example.com', org);
  });
  afterAll(async () => app?.close());

  it('creates one app; every other import is told an upgrade is possible', async () => {
    const zip = await buildPackage({
      manifest: {
        app: { name: 'Racer', version: 3, key: 'racer-key' },
        exportedAt: '2026-11-01T00:00:00.000Z',
        exportedBy: 'usr-x',
        source: { organizationId: 'org-us-x', organizationName: 'X', region: 'us' },
        requirements: [],
      },
      definition: { v: 1 },
    });
    const upload = () =>
      app.request('POST', `/v1/organizations/${org}/apps/imports?allowUnsigned=true`, {
        token: admin,
        raw: zip as unknown as string,
        headers: { 'content-type': 'application/zip' },
      });
    // the organization is known to app-packaging once its events arrived
    await eventually(async () => expect((await app.request('GET', `/v1/organizations/${org}/apps`, { token: admin })).status).toBe(200));

    // every aggregate load takes a while, so that all four imports have checked the app key before any of
    // them appends: the window two replicas (or two requests) racing have, made wide enough to hit every time
    const load = AggregateRepository.prototype.load;
    const slow = jest.spyOn(AggregateRepository.prototype, 'load').mockImplementation(async function (this: AggregateRepository<any, any, any>, id: string) {
      await new Promise((r) => setTimeout(r, 150));
      return load.call(this, id);
    });
    const answers = await Promise.all(Array.from({ length: 4 }, upload)).finally(() => slow.mockRestore());
    const created = answers.filter((a) => a.status === 201);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    const appId = created[0].body.id;
    for (const other of answers.filter((a) => a.status === 409)) {
      expect(other.body).toMatchObject({ code: 'upgrade-possible', appId, currentVersion: 1 });
    }
    const list = await app.request('GET', `/v1/organizations/${org}/apps`, { token: admin });
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([appId]);

    // and an upgrade of the one app works as before
    const upgraded = await app.request('POST', `/v1/organizations/${org}/apps/imports?allowUnsigned=true&mode=upgrade`, {
      token: admin,
      raw: zip as unknown as string,
      headers: { 'content-type': 'application/zip' },
    });
    expect(upgraded.status).toBe(201);
    expect(upgraded.body).toMatchObject({ id: appId, version: 2 });
  });
});
