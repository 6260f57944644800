import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import type { Server } from 'node:http';
import { HttpAdapterHost } from '@nestjs/core';
import { Counter } from 'prom-client';
import { AUTH_CONFIG, AuthConfig, RouteMatcher, RouteRule } from '@lib/auth';
import { Region } from '@lib/contracts';
import { GracefulDrain, logger, logAccessAtDebug, metrics } from '@lib/platform';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { OrganizationConfig } from '../config';
import { OrganizationsService } from '../organizations/organizations.service';
import { AUTHZ_CHECK_PATH } from './authz.route';
import { FORWARD_AUTH_PATH, ForwardAuthorizer, ForwardDecision } from './forward-auth';
import { answerOf, FORWARD_METHODS, installForwardAuthFastPath } from './forward-auth.fast-path';
import generatedRoutes from './route-table.generated.json';

/** routes registered on Fastify directly, outside Nest's controllers (so not in their metadata) */
export const DIRECT_ROUTES: RouteRule[] = [{ method: 'POST', path: AUTHZ_CHECK_PATH, access: ['operator', 'service'], scope: 'authz:check' }];

/**
 * Every service's routes, read from their handlers' metadata by `npm run openapi` (scripts/route-table.ts)
 * and committed beside this file; test/route-table.int-spec.ts fails when it is stale or when an
 * organization route names no permission. Why a generated file: the gateway sends every forward-auth
 * request to the organization service of the organization's region, which decides from its own current
 * state, but app-packaging's routes live in another process and apps never import each other.
 */
export const ROUTE_TABLE: readonly RouteRule[] = generatedRoutes as RouteRule[];

const decisions = new Counter({
  name: 'authz_forward_decisions_total',
  help: 'forward-auth answers by decision and reason',
  labelNames: ['decision', 'reason'],
  registers: [metrics.registry],
});

interface RouteRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}
interface RouteReply {
  status(code: number): RouteReply;
  header(name: string, value: string): RouteReply;
  send(payload?: unknown): unknown;
}

/**
 * The gateway's hot path, on Fastify directly like /v1/authz/check. Denials are logged (info, with the
 * reason and who asked); allowed answers only at debug: every one is counted in
 * authz_forward_decisions_total, and the upstream's access log records the request itself.
 */
export function registerForwardAuthRoute(
  fastify: { route(options: Record<string, unknown>): unknown; server?: Server },
  organizations: OrganizationsService,
  auth: AuthConfig,
  region: Region,
  draining: () => boolean = () => false,
) {
  const authorizer = new ForwardAuthorizer(
    new RouteMatcher(ROUTE_TABLE),
    auth,
    (userId, organizationId, permission, mfa) => organizations.check(userId, organizationId, permission, mfa),
    region,
  );
  const log = logger('authz.forward');
  const handler = async (request: RouteRequest, reply: RouteReply) => {
    const decision = await authorizer.decide(request);
    record(decision, log);
    const answer = answerOf(decision);
    reply.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    return reply.send(answer.body);
  };
  for (const url of [FORWARD_AUTH_PATH, `${FORWARD_AUTH_PATH}/*`]) {
    fastify.route({ method: FORWARD_METHODS, url, handler, bodyLimit: 1024 });
    logAccessAtDebug(url, 500); // a denial has its own line below, with the reason and the subject
  }
  logAccessAtDebug(AUTHZ_CHECK_PATH);
  // gateways' requests (no body) over real sockets: the same authorizer, ahead of Fastify's hooks
  if (fastify.server) {
    installForwardAuthFastPath(fastify.server, (request) => authorizer.decide(request), (decision, requestId) => record(decision, log, requestId), draining);
  }
  return authorizer;
}

/** GET /v1/authz/forward (any method), registered on Fastify when the organization module starts */
@Injectable()
export class ForwardAuthRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly organizations: OrganizationsService,
    @Inject(AUTH_CONFIG) private readonly auth: AuthConfig,
    @Inject(SERVICE_CONFIG) private readonly config: OrganizationConfig,
    @Optional() private readonly drain?: GracefulDrain,
  ) {}

  onModuleInit() {
    const draining = () => this.drain?.isDraining ?? false;
    registerForwardAuthRoute(this.adapterHost.httpAdapter.getInstance(), this.organizations, this.auth, this.config.REGION, draining);
  }
}

function record(decision: ForwardDecision, log: ReturnType<typeof logger>, requestId?: string) {
  const allowed = decision.status === 200;
  decisions.labels(allowed ? 'allowed' : 'denied', decision.reason).inc();
  if (allowed && !log.isLevelEnabled('debug')) return;
  const fields = { reason: decision.reason, method: decision.method, path: decision.path, subject: decision.subject, status: decision.status, ...(requestId ? { requestId } : {}) };
  if (allowed) log.debug(fields, 'forward-auth allowed');
  else log.info(fields, 'forward-auth denied');
}

/** the routes as they appear in the OpenAPI document */
export const forwardAuthOpenApi = {
  [FORWARD_AUTH_PATH]: Object.fromEntries(
    ['get', 'post', 'put', 'patch', 'delete'].map((verb) => [
      verb,
      {
        tags: ['authorization'],
        summary: 'Forward authentication for a gateway (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz)',
        description:
          'Decides the original request named by X-Original-Method/X-Original-URI (nginx) or X-Forwarded-Method/X-Forwarded-Uri ' +
          '(Traefik, Envoy), or by the path after /v1/authz/forward (Envoy path_prefix), with the caller\'s bearer token, from current state.',
        operationId: `forwardAuth_${verb}`,
        security: [{ bearer: [] }, {}],
        parameters: [
          { name: 'X-Original-Method', in: 'header', required: false, schema: { type: 'string' } },
          { name: 'X-Original-URI', in: 'header', required: false, schema: { type: 'string' } },
          { name: 'X-Forwarded-Method', in: 'header', required: false, schema: { type: 'string' } },
          { name: 'X-Forwarded-Uri', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description: 'allowed; for a user, X-User-Id, X-Organization-Id (organization routes), X-Role and X-Region for the upstream',
            headers: Object.fromEntries(['X-User-Id', 'X-Organization-Id', 'X-Role', 'X-Region'].map((h) => [h, { schema: { type: 'string' } }])),
          },
          400: { description: 'the original request is missing or inconsistent (problem details)' },
          401: { description: 'no or bad bearer token (problem details, WWW-Authenticate: Bearer)' },
          403: { description: 'denied (problem details naming the permission; X-Authz-Permission, X-Authz-Reason)' },
        },
      },
    ]),
  ),
};
