import { readFileSync } from 'node:fs';
import { Controller, Get, Post } from '@nestjs/common';
import { Auth, OrgPermission, RouteMatcher, routeRulesOf, routeTableProblems } from '@lib/auth';
import { buildRouteTable, renderRouteTable, ROUTE_TABLE_FILE } from '../scripts/route-table';
import { startApp } from './support/harness';

describe('the gateway route table (derived from the handlers\' @Auth and @OrgPermission metadata)', () => {
  it('is committed and in sync with every service\'s controllers (run `npm run openapi` after changing a route)', async () => {
    expect(readFileSync(ROUTE_TABLE_FILE, 'utf8')).toBe(await renderRouteTable());
  });

  it('names a permission on every organization route that users may call', async () => {
    const rules = await buildRouteTable();
    expect(rules.filter((r) => r.path.startsWith('/v1/organizations/:id/apps')).length).toBeGreaterThanOrEqual(10);
    expect(routeTableProblems(rules)).toEqual([]);
  });

  it('reports a route whose handler lacks @OrgPermission, and reads the permission of one that has it', () => {
    @Controller('v1/organizations/:id/widgets')
    class WidgetsController {
      @Get()
      @Auth('user')
      @OrgPermission('apps.read')
      list() {}

      @Post()
      @Auth('user')
      create() {}

      @Post('public')
      open() {}
    }
    const rules = routeRulesOf([WidgetsController]);
    expect(rules).toEqual([
      { method: 'GET', path: '/v1/organizations/:id/widgets', access: ['user'], permission: 'apps.read' },
      { method: 'POST', path: '/v1/organizations/:id/widgets', access: ['user'] },
      { method: 'POST', path: '/v1/organizations/:id/widgets/public', access: 'public' },
    ]);
    expect(routeTableProblems(rules)).toEqual(['POST /v1/organizations/:id/widgets: organization route open to users without @OrgPermission']);
  });

  it('matches static segments before parameters, and finds nothing for unknown paths', async () => {
    const matcher = new RouteMatcher(await buildRouteTable());
    const id = 'org-us-01jq7m3k9x2v5w8z4c6n1b0hya';
    expect(matcher.match('GET', `/v1/organizations/${id}/audit`)).toMatchObject({ rule: { permission: 'audit.read' }, organizationId: id });
    expect(matcher.match('POST', `/v1/organizations/${id}/integrations`)).toMatchObject({ rule: { permission: 'resources.manage' } });
    expect(matcher.match('GET', `/v1/organizations/${id}/integrations`)).toMatchObject({ rule: { path: '/v1/organizations/:id/:collection' } });
    expect(matcher.match('HEAD', `/v1/organizations/${id}/apps`)).toMatchObject({ rule: { permission: 'apps.read' } });
    expect(matcher.match('GET', '/v1/permissions')).toMatchObject({ rule: { access: 'public' } });
    for (const path of [`/v1/organizations/${id}/audit/`, '/v1/nothing', `/v1/organizations/${id}/apps/a/b/c/d/e`]) {
      expect({ path, match: matcher.match('GET', path) }).toEqual({ path, match: undefined });
    }
  });

  it('is served at GET /v1/authz/routes without a token', async () => {
    const app = await startApp();
    try {
      const res = await app.request('GET', '/v1/authz/routes');
      expect(res.status).toBe(200);
      expect(res.body.routes).toEqual(await buildRouteTable());
    } finally {
      await app.close();
    }
  });
});
