import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY, REGIONS, renderOverlay, ROOT, ServiceName, SERVICES } from './support/deploy';
import { findResource } from './support/kustomize';
import { NginxGateway } from './support/nginx';

const TEMPLATE = join(DEPLOY, 'gateway', 'templates', 'default.conf.template');
const template = readFileSync(TEMPLATE, 'utf8');

/** what the nginx image does at start: envsubst of the variables defined in its environment */
const gatewayOf = (localRegion: string) => new NginxGateway(template.replace(/\$\{LOCAL_REGION\}/g, localRegion));

/** an organization id of a region, as the services mint them */
const orgId = (region: string) => `org-${region}-01jq7m3k9x2v5w8z4c6n1b0hya`;

/** where a path must go: (service, region) */
const upstream = (region: string, service: ServiceName) => `${region}-${service}`;

describe('gateway (deploy/gateway/templates/default.conf.template)', () => {
  it('substitutes only LOCAL_REGION (envsubst would also replace any other ${VAR} of the environment)', () => {
    expect([...new Set(template.match(/\$\{[A-Z_][A-Z0-9_]*\}/g))]).toEqual(['${LOCAL_REGION}']);
    expect(orgId('eu')).toMatch(/^org-(us|eu|apac)-[0-9a-z]{26}$/);
  });

  it.each(REGIONS)('upstreams of %s are that region\'s Services, on their ports', (region) => {
    const gateway = gatewayOf('us');
    const { resources } = renderOverlay(region);
    for (const service of SERVICES) {
      const svc = findResource(resources, 'Service', service)!;
      expect({ upstream: upstream(region, service), servers: gateway.upstreams.get(upstream(region, service)) }).toEqual({
        upstream: upstream(region, service),
        servers: [`${service}.${svc.metadata.namespace}.svc.cluster.local:${svc.spec.ports[0].port}`],
      });
    }
    expect(gateway.upstreams.size).toBe(REGIONS.length * SERVICES.length);
  });

  describe.each(REGIONS)('the %s gateway', (local) => {
    const gateway = gatewayOf(local);
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

    it.each(samples)(`${local}: %s → %s`, (path, expected) => {
      const route = gateway.route(path);
      expect(route.upstream).toBe(expected);
      expect(route.servers).toHaveLength(1);
    });

    it.each(['/v1/usersx', '/v1/organizationsx', '/docs', '/health/ready', '/', '/v2/organizations'])(`${local}: %s is not routed (404)`, (path) => {
      const route = gateway.route(path);
      expect({ upstream: route.upstream, status: route.status }).toEqual({ upstream: undefined, status: 404 });
    });

    it(`${local}: lets package uploads (PACKAGE_MAX_BYTES, 50 MiB) and ordinary bodies (BODY_LIMIT_BYTES, 1 MiB) through to the services`, () => {
      expect(gateway.route(`/v1/organizations/${orgId(local)}/apps/imports`).maxBodyBytes).toBeGreaterThanOrEqual(50 * 1024 * 1024);
      expect(gateway.route('/v1/users').maxBodyBytes).toBeGreaterThanOrEqual(1024 * 1024);
    });
  });

  it('routes every HTTP route the services declare to the service that declares it (read from the controllers)', () => {
    const routes = SERVICES.flatMap((service) => controllerRoutes(service).map((path) => ({ service, path })));
    expect(routes.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const local of REGIONS) {
      const gateway = gatewayOf(local);
      for (const { service, path } of routes) {
        for (const idRegion of REGIONS) {
          const concrete = path.replace(/:id\b/, orgId(idRegion)).replace(/:(\w+)/g, 'x-$1');
          const region = path.startsWith('/v1/organizations/:id') ? idRegion : local;
          const got = gateway.route(concrete).upstream;
          if (got !== upstream(region, service)) problems.push(`${local} gateway: ${concrete} → ${got}, expected ${upstream(region, service)}`);
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
