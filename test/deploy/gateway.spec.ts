import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEPLOY, REGIONS, renderOverlay, ROOT, ServiceName, SERVICES } from './support/deploy';
import { findResource } from './support/kustomize';
import { gatewayTemplate, mainConf, recordingUpstreams, renderGateway, templateUpstreams } from './support/gateway-nginx';
import { nginxConfigTest, startNginx } from '../support/real-nginx';
import { send } from '../support/http-client';

// real processes and hundreds of requests: generous on a shared 2-core machine
jest.setTimeout(120_000);

const TEMPLATE = join(DEPLOY, 'gateway', 'templates', 'default.conf.template');
const template = readFileSync(TEMPLATE, 'utf8');

/** an organization id of a region, as the services mint them */
const orgId = (region: string) => `org-${region}-01jq7m3k9x2v5w8z4c6n1b0hya`;

/** where a path must go: (service, region) */
const upstream = (region: string, service: ServiceName) => `${region}-${service}`;
const UPSTREAMS = REGIONS.flatMap((r) => SERVICES.map((s) => upstream(r, s)));

/** ports of this suite (nginx 31081-31083, stand-in upstreams from 31350; all below the ephemeral range 32768-60999, which outgoing connections take) */
const NGINX_PORT = (i: number) => 31081 + i;

/**
 * The template rendered for each region, checked by `nginx -t`, then run by the real nginx in front of
 * stand-in upstreams that record what reaches them (so the routing is nginx's own, not a model of it).
 */
describe('gateway (deploy/gateway/templates/default.conf.template) on the real nginx', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'ocp-gateway-'));
  chmodSync(prefix, 0o755); // nginx's workers (nobody, when run as root) write request bodies below it
  let upstreams: Awaited<ReturnType<typeof recordingUpstreams>>;
  const gateways: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    upstreams = await recordingUpstreams(UPSTREAMS, 31350, () => ({ 'x-user-id': 'usr-from-authz', 'x-role': 'Admin' }));
    for (const [i, region] of REGIONS.entries()) {
      const conf = mainConf(renderGateway(region, NGINX_PORT(i), upstreams.address), join(prefix, region));
      gateways.push(await startNginx(conf, { prefix: join(prefix, region) }));
    }
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop();
    await upstreams?.close();
    if (!process.env.KEEP_NGINX) rmSync(prefix, { recursive: true, force: true });
  });

  /** the upstream that received the one request sent by `action` */
  async function routed(action: () => Promise<{ status: number }>) {
    const before = upstreams.recorded.length;
    const reply = await action();
    const got = upstreams.recorded.slice(before);
    return { status: reply.status, upstream: got.length === 1 ? got[0].upstream : got.length === 0 ? undefined : got.map((g) => g.upstream).join(',') };
  }

  it('substitutes only LOCAL_REGION (envsubst would also replace any other ${VAR} of the environment)', () => {
    expect([...new Set(template.match(/\$\{[A-Z_][A-Z0-9_]*\}/g))]).toEqual(['${LOCAL_REGION}']);
    expect(orgId('eu')).toMatch(/^org-(us|eu|apac)-[0-9a-z]{26}$/);
  });

  it.each(REGIONS)('nginx -t accepts the template rendered for %s', (region) => {
    const dir = join(prefix, `t-${region}`);
    expect(() => nginxConfigTest(mainConf(renderGateway(region, 31099, () => '127.0.0.1:31399'), dir), dir)).not.toThrow();
  });

  it('nginx -t refuses a broken rendering (the check can fail)', () => {
    const dir = join(prefix, 't-broken');
    const broken = renderGateway('us', 31099, () => '127.0.0.1:31399').replace('auth_request /_authz;', 'auth_request /_authz');
    expect(() => nginxConfigTest(mainConf(broken, dir), dir)).toThrow(/nginx -t refused/);
  });

  it.each(REGIONS)('upstreams of %s are that region\'s Services, on their ports', (region) => {
    const declared = templateUpstreams(gatewayTemplate());
    const { resources } = renderOverlay(region);
    for (const service of SERVICES) {
      const svc = findResource(resources, 'Service', service)!;
      expect({ upstream: upstream(region, service), servers: declared.get(upstream(region, service)) }).toEqual({
        upstream: upstream(region, service),
        servers: [`${service}.${svc.metadata.namespace}.svc.cluster.local:${svc.spec.ports[0].port}`],
      });
    }
    expect(declared.size).toBe(REGIONS.length * SERVICES.length);
  });

  describe.each(REGIONS.map((r, i) => [r, i] as const))('the %s gateway', (local, index) => {
    const port = NGINX_PORT(index);
    const samples: [string, string][] = [
      ['/v1/users', upstream(local, 'identity')],
      ['/v1/sessions', upstream(local, 'identity')],
      ['/v1/sessions/organization', upstream(local, 'identity')],
      ['/v1/sessions/refresh', upstream(local, 'identity')],
      ['/v1/me', upstream(local, 'identity')],
      ['/v1/me/invitations', upstream(local, 'identity')],
      ['/.well-known/jwks.json', upstream(local, 'identity')],
      ['/v1/organizations', upstream(local, 'organization')],
      ['/v1/invitations/inv-01jq7m3k9x2v5w8z4c6n1b0hya/accept', upstream(local, 'organization')],
      ['/v1/authz/check', upstream(local, 'organization')],
      ['/v1/permissions', upstream(local, 'organization')],
      ...REGIONS.flatMap((r): [string, string][] => [
        [`/v1/organizations/${orgId(r)}`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/members`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/members/usr-01jq7m3k9x2v5w8z4c6n1b0hya`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/invitations`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/audit`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/integrations`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/phone-numbers/res-1/disable`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/suspend`, upstream(r, 'organization')],
        [`/v1/organizations/${orgId(r)}/apps`, upstream(r, 'app-packaging')],
        [`/v1/organizations/${orgId(r)}/apps/imports`, upstream(r, 'app-packaging')],
        [`/v1/organizations/${orgId(r)}/apps/app-1/bindings/crm`, upstream(r, 'app-packaging')],
        [`/v1/organizations/${orgId(r)}/apps/app-1/exports/exp-1/download`, upstream(r, 'app-packaging')],
      ]),
      // the region is read from the id's prefix alone
      ['/v1/organizations/org-apac-not-a-valid-id/members', upstream('apac', 'organization')],
      // an id without a known region prefix stays in this region (the stack answers it)
      ['/v1/organizations/org-xx-01jq7m3k9x2v5w8z4c6n1b0hya/members', upstream(local, 'organization')],
    ];

    it.each(samples)(`${local}: %s → %s`, async (path, expected) => {
      expect(await routed(() => send(port, 'GET', path))).toEqual({ status: 200, upstream: expected });
    });

    it.each(['/v1/usersx', '/v1/organizationsx', '/docs', '/health/ready', '/', '/v2/organizations'])(`${local}: %s is not routed (404)`, async (path) => {
      expect(await routed(() => send(port, 'GET', path))).toEqual({ status: 404, upstream: undefined });
    });

    it(`${local}: lets package uploads (PACKAGE_MAX_BYTES, 50 MiB) and ordinary bodies (BODY_LIMIT_BYTES, 1 MiB) through to the services`, async () => {
      const big = Buffer.alloc(50 * 1024 * 1024 + 1);
      const imported = await routed(() =>
        send(port, 'POST', `/v1/organizations/${orgId(local)}/apps/imports`, { body: big, headers: { 'content-type': 'application/zip' } }),
      );
      expect(imported).toEqual({ status: 200, upstream: upstream(local, 'app-packaging') });
      expect(upstreams.recorded[upstreams.recorded.length - 1].bodyBytes).toBe(big.length);
      const json = await routed(() => send(port, 'POST', '/v1/users', { body: Buffer.alloc(1024 * 1024 + 1, 32), headers: { 'content-type': 'application/json' } }));
      expect(json).toEqual({ status: 200, upstream: upstream(local, 'identity') });
    });

    it(`${local}: replaces client-sent identity headers with forward-auth's answer on every route`, async () => {
      const forged = { 'x-user-id': 'usr-forged', 'x-role': 'Admin', 'x-organization-id': orgId('eu'), 'x-region': 'eu', 'x-auth-kind': 'operator', 'x-original-uri': '/v1/permissions' };
      for (const path of [`/v1/organizations/${orgId(local)}/audit`, `/v1/organizations/${orgId(local)}/apps`, '/v1/me', '/v1/users']) {
        const before = upstreams.recorded.length;
        expect((await send(port, 'GET', path, { headers: forged })).status).toBe(200);
        const { headers } = upstreams.recorded[before];
        const identity = { user: headers['x-user-id'], role: headers['x-role'], org: headers['x-organization-id'], region: headers['x-region'], kind: headers['x-auth-kind'], uri: headers['x-original-uri'] };
        expect({ path, ...identity }).toEqual(
          path.startsWith('/v1/organizations/')
            ? { path, user: 'usr-from-authz', role: 'Admin', org: undefined, region: undefined, kind: undefined, uri: undefined }
            : { path, user: undefined, role: undefined, org: undefined, region: undefined, kind: undefined, uri: undefined },
        );
      }
    });
  });

  it('routes every HTTP route the services declare to the service that declares it (read from the controllers)', async () => {
    const routes = SERVICES.flatMap((service) => controllerRoutes(service).map((path) => ({ service, path })));
    expect(routes.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const [index, local] of REGIONS.entries()) {
      for (const { service, path } of routes) {
        for (const idRegion of REGIONS) {
          const concrete = path.replace(/:id\b/, orgId(idRegion)).replace(/:(\w+)/g, 'x-$1');
          const region = path.startsWith('/v1/organizations/:id') ? idRegion : local;
          const got = await routed(() => send(NGINX_PORT(index), 'GET', concrete));
          if (got.upstream !== upstream(region, service)) problems.push(`${local} gateway: ${concrete} → ${got.upstream}, expected ${upstream(region, service)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/** the paths of a service's controllers: @Controller('prefix') + @Get('path') …, in declaration order */
function controllerRoutes(service: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.controller.ts') ? [join(dir, n)] : []));
  for (const file of walk(join(ROOT, 'apps', service, 'src'))) {
    let prefix = '';
    for (const m of readFileSync(file, 'utf8').matchAll(/@(Controller|Get|Post|Put|Patch|Delete)\(\s*(?:'([^']*)')?[^)]*\)/g)) {
      if (m[1] === 'Controller') prefix = m[2] ?? '';
      else out.push('/' + [prefix, m[2] ?? ''].filter(Boolean).join('/'));
    }
  }
  return out;
}
