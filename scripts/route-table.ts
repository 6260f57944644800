import { Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteRule, routeRulesOf } from '@lib/auth';
import { createStandalone } from '../apps/standalone/src/standalone';
import { DIRECT_ROUTES } from '../apps/organization/src/authz/forward-auth.route';

export const ROUTE_TABLE_FILE = join(__dirname, '..', 'apps', 'organization', 'src', 'authz', 'route-table.generated.json');

/** every controller the application registered, from every module */
export function controllersOf(app: INestApplication): Type[] {
  const controllers = new Set<Type>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) controllers.add(wrapper.metatype as Type);
  }
  return [...controllers];
}

/** the route table of the whole product (the standalone composes every service's module) */
export async function buildRouteTable(): Promise<RouteRule[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ocp-routes-'));
  const standalone = await createStandalone({ DATA_DIR: dataDir, OPERATOR_TOKEN: 'x'.repeat(32), LOG_LEVEL: 'silent' }, { logger: false });
  try {
    const rules = [...routeRulesOf(controllersOf(standalone.app)), ...DIRECT_ROUTES];
    return rules.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  } finally {
    await standalone.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function renderRouteTable(): Promise<string> {
  return `${JSON.stringify(await buildRouteTable(), null, 2)}\n`;
}
