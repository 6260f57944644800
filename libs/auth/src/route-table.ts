import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AUTH_KINDS, PrincipalKind } from './guards';
import { ORG_PERMISSION_KEY } from './org-permission';
import { SERVICE_SCOPE_KEY, ServiceScope } from './machine-credentials';
import { isPermission, Permission } from './permissions';

/**
 * One HTTP route as the gateway sees it, read from the handler's own metadata: its method and path
 * (@Get/@Post… under @Controller), who may call it (@Auth; none means public) and, for a route under
 * /v1/organizations/:id that users call, the permission their role needs there (@OrgPermission).
 */
export interface RouteRule {
  method: string;
  path: string;
  access: 'public' | PrincipalKind[];
  permission?: Permission;
  /** the scope a service credential needs here (@ServiceScope) */
  scope?: ServiceScope;
}

/** routes whose first path parameter is an organization id: the gateway decides them per organization */
export const ORGANIZATION_ROUTE = /^\/v1\/organizations\/:id(\/|$)/;

const joinPath = (...parts: string[]) =>
  '/' +
  parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');

/** the rules of these controllers, sorted by path then method */
export function routeRulesOf(controllers: Iterable<Type>): RouteRule[] {
  const rules: RouteRule[] = [];
  for (const controller of controllers) {
    const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
    const classKinds = Reflect.getMetadata(AUTH_KINDS, controller) as PrincipalKind[] | undefined;
    const classPermission = Reflect.getMetadata(ORG_PERMISSION_KEY, controller) as unknown;
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const kinds = (Reflect.getMetadata(AUTH_KINDS, handler) as PrincipalKind[] | undefined) ?? classKinds;
      const permission = (Reflect.getMetadata(ORG_PERMISSION_KEY, handler) as unknown) ?? classPermission;
      const scope = Reflect.getMetadata(SERVICE_SCOPE_KEY, handler) as ServiceScope | undefined;
      if (permission !== undefined && !isPermission(permission)) {
        throw new Error(`${controller.name}.${name}: @OrgPermission(${String(permission)}) is not a permission`);
      }
      for (const prefix of prefixes) {
        for (const path of [Reflect.getMetadata(PATH_METADATA, handler) ?? '/'].flat() as string[]) {
          rules.push({
            method: RequestMethod[method],
            path: joinPath(prefix, path),
            access: kinds ? [...kinds].sort() : 'public',
            ...(permission ? { permission } : {}),
            ...(scope ? { scope } : {}),
          });
        }
      }
    }
  }
  return rules.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/**
 * What a route table misses for the gateway to decide: an organization route that users may call but that
 * names no permission (the gateway could only let it through or block it blindly).
 */
export function routeTableProblems(rules: readonly RouteRule[]): string[] {
  return rules
    .filter((r) => ORGANIZATION_ROUTE.test(r.path) && r.access !== 'public' && r.access.includes('user') && !r.permission)
    .map((r) => `${r.method} ${r.path}: organization route open to users without @OrgPermission`);
}

export interface RouteMatch {
  rule: RouteRule;
  /** the organization id of an organization route, as written in the path (not decoded) */
  organizationId?: string;
}

/**
 * Finds the rule of a request. Static segments win over parameters (as in the services' router), so
 * `/v1/organizations/:id/integrations` is preferred to `/v1/organizations/:id/:collection`. The caller
 * decodes the path first (as the router does); a path nothing matches is refused by the caller (fail closed).
 */
export class RouteMatcher {
  private readonly byMethod = new Map<string, { rule: RouteRule; pattern: RegExp; organization: boolean }[]>();

  constructor(readonly rules: readonly RouteRule[]) {
    const weight = (path: string) => path.split('/').map((s) => (s.startsWith(':') ? '1' : '0')).join('');
    const sorted = [...rules].sort((a, b) => weight(a.path).localeCompare(weight(b.path)));
    for (const rule of sorted) {
      const source = rule.path
        .split('/')
        .map((segment) => (segment.startsWith(':') ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')))
        .join('/');
      const list = this.byMethod.get(rule.method) ?? [];
      list.push({ rule, pattern: new RegExp(`^${source}$`), organization: ORGANIZATION_ROUTE.test(rule.path) });
      this.byMethod.set(rule.method, list);
    }
  }

  match(method: string, path: string): RouteMatch | undefined {
    const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    for (const candidate of this.byMethod.get(verb) ?? []) {
      const m = candidate.pattern.exec(path);
      if (m) return candidate.organization ? { rule: candidate.rule, organizationId: m[1] } : { rule: candidate.rule };
    }
    return undefined;
  }
}
