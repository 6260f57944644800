import Ajv from 'ajv';
import { authenticate, AuthConfig, credentialName, PERMISSIONS, staticCredential } from '@lib/auth';
import { toProblem } from '@lib/platform';
import { OrganizationsService } from '../organizations/organizations.service';

export const AUTHZ_CHECK_PATH = '/v1/authz/check';

/** strict, like the rest of the API: unknown fields and wrong types are errors, never removed or coerced */
const ajv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false });

const bodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['userId', 'organizationId', 'permission'],
  properties: {
    userId: { type: 'string', minLength: 1, maxLength: 100 },
    organizationId: { type: 'string', minLength: 1, maxLength: 100 },
    permission: { type: 'string', enum: [...PERMISSIONS] },
    /** whether the user's session passed a second factor (`mfa` in the access token's `amr`); absent: it did not */
    mfa: { type: 'boolean' },
  },
} as const;

const responseSchema = {
  type: 'object',
  properties: { allowed: { type: 'boolean' }, role: { type: ['string', 'null'] }, reason: { type: 'string' } },
} as const;

interface RouteRequest {
  headers: Record<string, string | string[] | undefined>;
  body: { userId: string; organizationId: string; permission: string; mfa?: boolean };
  url: string;
  credential?: string;
}
interface RouteReply {
  status(code: number): RouteReply;
  header(name: string, value: string): RouteReply;
  send(payload: unknown): unknown;
}

/**
 * The gateway's hot path, registered on Fastify directly rather than through Nest's pipeline: Fastify
 * validates the body with a compiled JSON schema and serialises the answer with a compiled serializer
 * (measured in bench/authz-check.bench.ts). Same contract as the rest of the API: operator or service
 * bearer token, problem details on every error, the decision read from the write model's current state.
 */
export function registerAuthzCheckRoute(
  fastify: { route(options: Record<string, unknown>): unknown },
  organizations: OrganizationsService,
  auth: AuthConfig,
) {
  fastify.route({
    method: 'POST',
    url: AUTHZ_CHECK_PATH,
    schema: { body: bodySchema, response: { 200: responseSchema } },
    validatorCompiler: ({ schema }: { schema: object }) => ajv.compile(schema),
    preHandler: async (request: RouteRequest, reply: RouteReply) => {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match) return sendProblem(reply, request.url, 401, 'a bearer token is required');
      // operator and static service tokens first: a string comparison, the cheapest answer on the hot path
      if (staticCredential(match[1], auth)) return;
      const principal = await authenticate(match[1], auth);
      if (!principal) return sendProblem(reply, request.url, 401, 'the access token is invalid or expired');
      if (principal.kind !== 'service') return sendProblem(reply, request.url, 403, 'this endpoint takes an operator token or a service credential with scope authz:check');
      if (!principal.scopes.includes('authz:check')) return sendProblem(reply, request.url, 403, 'this endpoint needs a service credential with scope authz:check');
      request.credential = credentialName(principal);
    },
    handler: async (request: RouteRequest) => {
      const { userId, organizationId, permission, mfa } = request.body;
      return organizations.check(userId, organizationId, permission, mfa === true);
    },
    errorHandler: (error: Error & { validation?: { instancePath?: string; message?: string }[]; statusCode?: number }, request: RouteRequest, reply: RouteReply) => {
      if (error.validation) {
        const errors = error.validation.map((v) => ({
          field: (v.instancePath ?? '').replace(/^\//, '') || ((v as { params?: { additionalProperty?: string; missingProperty?: string } }).params?.additionalProperty ?? (v as { params?: { missingProperty?: string } }).params?.missingProperty ?? 'body'),
          message: v.message ?? 'invalid',
        }));
        return sendProblem(reply, request.url, 400, 'the request body is invalid', { errors });
      }
      const { problem, headers } = toProblem(error, request.url);
      for (const [k, v] of Object.entries(headers)) reply.header(k, v);
      return reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(problem));
    },
  });
}

function sendProblem(reply: RouteReply, instance: string, status: number, detail: string, extensions: Record<string, unknown> = {}) {
  const { problem } = toProblem(null, instance);
  const body = { ...problem, type: `https://problems.orgs-control-plane.dev/${status}`, title: status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : 'Forbidden', status, detail, ...extensions };
  return reply.status(status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(body));
}

/** the route as it appears in the OpenAPI document */
export const authzCheckOpenApi = {
  [AUTHZ_CHECK_PATH]: {
    post: {
      tags: ['authorization'],
      summary: 'May this user do this in this organization, now? (gateway, operator or service credential)',
      security: [{ bearer: [] }],
      requestBody: { required: true, content: { 'application/json': { schema: bodySchema } } },
      responses: {
        200: { description: 'the decision, from current state', content: { 'application/json': { schema: responseSchema } } },
        400: { description: 'invalid body (problem details)' },
        401: { description: 'no or unknown token' },
        403: { description: 'a user token: the endpoint takes operator or service tokens' },
      },
    },
  },
};
