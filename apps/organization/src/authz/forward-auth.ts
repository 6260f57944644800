import {
  AccessTokenClaims,
  API_KEY_PREFIX,
  AuthConfig,
  can,
  isServiceTokenShape,
  Permission,
  RouteMatcher,
  RouteRule,
  STATIC_SERVICE_SCOPES,
  staticCredential,
} from '@lib/auth';
import { ORGANIZATION_ID_PATTERN, Region, regionOfOrganization, Role } from '@lib/contracts';

export const FORWARD_AUTH_PATH = '/v1/authz/forward';

/** the headers a gateway passes upstream after a 200; a gateway must drop any a client sent itself */
export const IDENTITY_HEADERS = ['x-user-id', 'x-organization-id', 'x-role', 'x-region'] as const;

export type ForwardReason =
  | 'public'
  | 'allowed'
  | 'credential'
  | 'bad-request'
  | 'no-route'
  | 'missing-token'
  | 'invalid-token'
  | 'credential-not-accepted'
  | 'api-key-other-organization'
  | 'unknown-organization'
  | 'wrong-region'
  | 'token-not-scoped'
  | 'not-a-member'
  | 'organization-suspended'
  | 'mfa-required'
  | 'permission-denied';

export interface ForwardDecision {
  status: 200 | 400 | 401 | 403;
  reason: ForwardReason;
  headers: Record<string, string>;
  /** problem details (RFC 9457) for every answer but 200 */
  problem?: Record<string, unknown>;
  /** for the log line: who asked for what */
  subject?: string;
  method?: string;
  path?: string;
}

export interface ForwardRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** the decision from current state, as OrganizationsService.check answers it */
export type MembershipCheck = (userId: string, organizationId: string, permission: Permission, mfa: boolean) => Promise<{ allowed: boolean; role: Role | null; reason?: string }>;

const REALM = 'orgs-control-plane';
const METHOD = /^[A-Z]{1,16}$/;
const MAX_URI = 8192;
const VERIFIED_TTL_MS = 30_000;
const VERIFIED_MAX = 10_000;

/**
 * Forward authentication for gateways (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz over HTTP).
 * The original request comes from X-Original-Method/X-Original-URI (nginx), X-Forwarded-Method/X-Forwarded-Uri
 * (Traefik, Envoy), or the path after /v1/authz/forward (Envoy's path_prefix). When a request carries both
 * header families they must agree: a client can add either family to its own request, and a gateway
 * forwards what it did not set, so a disagreement is refused instead of trusting one of them.
 */
export class ForwardAuthorizer {
  constructor(
    private readonly matcher: RouteMatcher,
    private readonly auth: AuthConfig,
    private readonly check: MembershipCheck,
    private readonly region: Region,
  ) {}

  get rules(): readonly RouteRule[] {
    return this.matcher.rules;
  }

  async decide(request: ForwardRequest): Promise<ForwardDecision> {
    const original = this.originalRequest(request);
    if ('error' in original) return this.deny(400, 'bad-request', original.error, request.url);
    const { method, path } = original;
    const instance = path;
    const found = this.matcher.match(method, path);
    if (!found) return { ...this.deny(403, 'no-route', `no route of this product matches ${method} ${path}`, instance), method, path };
    const { rule, organizationId } = found;
    if (rule.access === 'public') return { status: 200, reason: 'public', headers: {}, method, path };

    const header = single(request.headers.authorization);
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      return { ...this.deny(401, 'missing-token', 'a bearer token is required', instance, { 'www-authenticate': `Bearer realm="${REALM}"` }), method, path };
    }
    const credential = staticCredential(match[1], this.auth);
    if (credential === 'service' && !(rule.scope && STATIC_SERVICE_SCOPES.includes(rule.scope))) {
      return { ...this.deny(403, 'credential-not-accepted', 'this route is not open to this service token', instance), method, path, subject: 'service:static' };
    }
    if (credential) {
      if (!rule.access.includes(credential)) {
        return { ...this.deny(403, 'credential-not-accepted', `this route is not open to ${credential} credentials`, instance), method, path, subject: credential };
      }
      return { status: 200, reason: 'credential', headers: { 'x-auth-kind': credential, 'x-region': this.region }, method, path, subject: credential };
    }
    // a user token verified moments ago (a gateway asks about the same token on each of its client's requests)
    let claims = this.cachedClaims(match[1]);
    if (!claims && match[1].startsWith(API_KEY_PREFIX)) return { ...(await this.apiKey(match[1], rule, organizationId, instance)), method, path };
    if (!claims && isServiceTokenShape(match[1])) return { ...(await this.service(match[1], rule, instance)), method, path };
    try {
      claims ??= await this.verified(match[1]);
    } catch {
      return {
        ...this.deny(401, 'invalid-token', 'the access token is invalid or expired', instance, {
          'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"`,
        }),
        method,
        path,
      };
    }
    const subject = claims.sub;
    if (!rule.access.includes('user')) {
      return { ...this.deny(403, 'credential-not-accepted', 'this route is not open to user credentials', instance), method, path, subject };
    }
    const userHeaders = { 'x-auth-kind': 'user', 'x-user-id': claims.sub, 'x-region': this.region };
    if (organizationId === undefined) return { status: 200, reason: 'allowed', headers: userHeaders, method, path, subject };

    // an organization route: the organization in the path, the permission from the handler's @OrgPermission
    const permission = rule.permission!;
    if (!ORGANIZATION_ID_PATTERN.test(organizationId)) {
      return { ...this.deny(403, 'unknown-organization', 'organization not found', instance, {}, { permission }), method, path, subject };
    }
    const region = regionOfOrganization(organizationId)!;
    if (region !== this.region) {
      const detail = `organization ${organizationId} lives in region ${region}; this stack serves region ${this.region}`;
      return { ...this.deny(403, 'wrong-region', detail, instance, {}, { permission, region }), method, path, subject };
    }
    if (claims.org !== organizationId) {
      const detail = 'this route needs an access token scoped to the organization (POST /v1/sessions/organization)';
      return { ...this.deny(403, 'token-not-scoped', detail, instance, {}, { permission }), method, path, subject };
    }
    const mfa = Array.isArray(claims.amr) && claims.amr.includes('mfa');
    const decision = await this.check(claims.sub, organizationId, permission, mfa);
    if (!decision.allowed) {
      const reason = (decision.reason ?? 'permission-denied') as ForwardReason;
      const detail =
        reason === 'permission-denied'
          ? `the ${decision.role} role does not grant ${permission}`
          : reason === 'not-a-member'
            ? `you are not a member of this organization (${permission} is needed)`
            : reason === 'organization-suspended'
              ? `the organization is suspended (${permission} is needed)`
              : reason === 'mfa-required'
                ? 'this organization requires a second factor: sign in with MFA'
                : `organization not found (${permission} is needed)`;
      return {
        ...this.deny(403, reason, detail, instance, {}, { permission, ...(decision.role ? { role: decision.role } : {}) }),
        method,
        path,
        subject,
      };
    }
    return {
      status: 200,
      reason: 'allowed',
      headers: { ...userHeaders, 'x-organization-id': organizationId, 'x-role': decision.role! },
      method,
      path,
      subject,
    };
  }

  /** an organization API key: its organization's routes that name a permission its role grants, nothing else */
  private async apiKey(token: string, rule: RouteRule, organizationId: string | undefined, instance: string): Promise<ForwardDecision> {
    const key = this.auth.apiKeys ? await this.auth.apiKeys.resolve(token) : null;
    if (!key) {
      return this.deny(401, 'invalid-token', 'the API key is unknown or revoked', instance, { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"` });
    }
    const subject = `key:${key.keyId}`;
    if (organizationId === undefined || !rule.permission || rule.access === 'public' || !rule.access.includes('user')) {
      return { ...this.deny(403, 'credential-not-accepted', 'this route is not open to organization API keys', instance), subject };
    }
    const permission = rule.permission;
    if (organizationId !== key.organizationId) {
      return { ...this.deny(403, 'api-key-other-organization', `this API key acts in its own organization only (${permission} is needed)`, instance, {}, { permission }), subject };
    }
    if (!can(key.role, permission)) {
      return { ...this.deny(403, 'permission-denied', `the ${key.role} role does not grant ${permission}`, instance, {}, { permission, role: key.role }), subject };
    }
    return {
      status: 200,
      reason: 'allowed',
      // the upstream sees the key as the acting subject, as in the audit
      headers: { 'x-auth-kind': 'api-key', 'x-user-id': subject, 'x-organization-id': organizationId, 'x-role': key.role, 'x-region': this.region },
      subject,
    };
  }

  /** a service credential's token: routes open to services whose scope the token holds */
  private async service(token: string, rule: RouteRule, instance: string): Promise<ForwardDecision> {
    let claims;
    try {
      claims = await this.auth.verifier.verifyService(token);
    } catch {
      return this.deny(401, 'invalid-token', 'the access token is invalid or expired', instance, { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"` });
    }
    const subject = `service:${claims.client_id}`;
    if (rule.access === 'public' || !rule.access.includes('service') || !rule.scope || !claims.scope.split(' ').includes(rule.scope)) {
      const detail = rule.scope ? `this route needs a service credential with scope ${rule.scope}` : 'this route is not open to service credentials';
      return { ...this.deny(403, 'credential-not-accepted', detail, instance), subject };
    }
    return { status: 200, reason: 'credential', headers: { 'x-auth-kind': 'service', 'x-region': this.region }, subject };
  }

  /**
   * A gateway asks about the same access token on every request its client makes. A signature check is the
   * costliest step of a decision, so a verified token's claims are kept for at most VERIFIED_TTL_MS (and never
   * past its exp): removing a signing key from the JWKS takes that long to reach tokens seen before. Only
   * the token is cached; membership and role are read from current state on every request.
   */
  private readonly verifiedTokens = new Map<string, { claims: AccessTokenClaims; until: number }>();

  /** a user token's claims from the cache, or undefined (never cached, expired, or evicted) */
  private cachedClaims(token: string): AccessTokenClaims | undefined {
    const hit = this.verifiedTokens.get(token);
    if (!hit) return undefined;
    if (hit.until <= Date.now()) {
      this.verifiedTokens.delete(token);
      return undefined;
    }
    // least recently used first: a token in use stays, one no client sends any more is evicted first
    this.verifiedTokens.delete(token);
    this.verifiedTokens.set(token, hit);
    return hit.claims;
  }

  private async verified(token: string): Promise<AccessTokenClaims> {
    const cached = this.cachedClaims(token);
    if (cached) return cached;
    const now = Date.now();
    const claims = await this.auth.verifier.verify(token);
    if (this.verifiedTokens.size >= VERIFIED_MAX) this.verifiedTokens.delete(this.verifiedTokens.keys().next().value!);
    this.verifiedTokens.set(token, { claims, until: Math.min(now + VERIFIED_TTL_MS, claims.exp * 1000) });
    return claims;
  }

  private originalRequest(request: ForwardRequest): { method: string; path: string } | { error: string } {
    const h = request.headers;
    const pairs: [string, string][] = [
      ['x-original-method', 'x-forwarded-method'],
      ['x-original-uri', 'x-forwarded-uri'],
    ];
    const values: (string | undefined)[] = [];
    for (const [a, b] of pairs) {
      if (Array.isArray(h[a]) || Array.isArray(h[b])) return { error: `${a} and ${b} may appear once each` };
      const x = single(h[a]);
      const y = single(h[b]);
      if (x !== undefined && y !== undefined && x !== y) return { error: `${a} and ${b} disagree` };
      values.push(x ?? y);
    }
    let [method, uri] = values;
    if (uri === undefined) {
      const rest = request.url.slice(FORWARD_AUTH_PATH.length);
      if (!rest.startsWith('/')) {
        return { error: 'the original request is missing: send X-Original-Method and X-Original-URI (or X-Forwarded-Method and X-Forwarded-Uri)' };
      }
      uri = rest;
      method ??= request.method;
    }
    if (method === undefined) return { error: 'the original method is missing (X-Original-Method or X-Forwarded-Method)' };
    if (!METHOD.test(method)) return { error: 'the original method is not an HTTP method' };
    if (uri.length > MAX_URI || !uri.startsWith('/')) return { error: 'the original URI must be a path of at most 8192 characters' };
    const segments: string[] = [];
    const pathPart = uri.split(/[?#]/, 1)[0];
    // nothing encoded, no dot or backslash: the segments are what the router sees (the common case, no decoding)
    if (!/[%.\\]/.test(pathPart) && !pathPart.includes('//')) return { method, path: pathPart };
    for (const raw of pathPart.split('/')) {
      // decoded as the services' router decodes it, so /aud%69t is decided as /audit; an encoded slash or a
      // dot segment would make the two disagree about the route, so they are refused
      let segment: string;
      try {
        segment = decodeURIComponent(raw);
      } catch {
        return { error: 'the original URI is not validly percent-encoded' };
      }
      if (segment.includes('/') || segment.includes('\\') || segment === '.' || segment === '..') {
        return { error: 'the original URI has an encoded slash or a dot segment' };
      }
      segments.push(segment);
    }
    return { method, path: segments.join('/') };
  }

  private deny(
    status: 400 | 401 | 403,
    reason: ForwardReason,
    detail: string,
    instance: string,
    headers: Record<string, string> = {},
    extensions: Record<string, unknown> = {},
  ): ForwardDecision {
    const title = status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : 'Forbidden';
    const permission: Record<string, string> = typeof extensions.permission === 'string' ? { 'x-authz-permission': extensions.permission } : {};
    return {
      status,
      reason,
      headers: { ...headers, 'x-authz-reason': reason, ...permission },
      problem: { type: `https://problems.orgs-control-plane.dev/${status}`, title, status, detail, instance, code: reason, ...extensions },
    };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
