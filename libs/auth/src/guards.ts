import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import { isServiceTokenShape, TokenVerifier } from './tokens';
import { API_KEY_PREFIX, ApiKeyPrincipal, ApiKeyResolver, SERVICE_SCOPE_KEY, STATIC_SERVICE_SCOPES } from './machine-credentials';
import { ORG_PERMISSION_KEY } from './metadata-keys';

export type Principal =
  | { kind: 'user'; userId: string; email: string; tokenId: string; organizationId?: string; region?: string; emailVerified?: boolean; mfa?: boolean }
  | { kind: 'operator' }
  /** `name` is the named credential (or `static` for a SERVICE_TOKENS entry); `scopes` what it may do */
  | { kind: 'service'; name: string; scopes: readonly string[] }
  /** an organization API key: acts in its organization only, with its role */
  | ApiKeyPrincipal;
export type PrincipalKind = Principal['kind'];

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
export interface AuthConfig {
  verifier: TokenVerifier;
  operatorToken: string;
  /** the previous operator token, still accepted while a rotation is rolled out */
  previousOperatorToken?: string;
  serviceTokens: readonly string[];
  /** set in the service that keeps organization API keys (organization) */
  apiKeys?: ApiKeyResolver;
}

/** the config every service builds from its settings; `verifier` decides how user tokens are checked */
export function authConfig(
  settings: { OPERATOR_TOKEN_PREVIOUS?: string; SERVICE_TOKENS: readonly string[] },
  operatorToken: string,
  verifier: TokenVerifier,
): AuthConfig {
  return { verifier, operatorToken, previousOperatorToken: settings.OPERATOR_TOKEN_PREVIOUS, serviceTokens: settings.SERVICE_TOKENS };
}

/** which static credential a bearer token is (compared in constant time), or null for anything else */
export function staticCredential(token: string, config: AuthConfig): 'operator' | 'service' | null {
  if (sameSecret(token, config.operatorToken)) return 'operator';
  if (config.previousOperatorToken !== undefined && sameSecret(token, config.previousOperatorToken)) return 'operator';
  return config.serviceTokens.some((t) => sameSecret(token, t)) ? 'service' : null;
}

export const AUTH_KINDS = 'auth:kinds';
/** which callers a route accepts; routes without it are public */
export const Auth = (...kinds: PrincipalKind[]) => SetMetadata(AUTH_KINDS, kinds);

/** how a principal is named in logs and audit entries */
export function credentialName(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return principal.userId;
    case 'operator':
      return 'operator';
    case 'service':
      return `service:${principal.name}`;
    case 'apiKey':
      return `key:${principal.keyId}`;
  }
}

/**
 * Who a bearer token is: operator and static service tokens (constant-time comparison), organization API keys
 * (when this service keeps them), service access tokens and user access tokens (signature, exp, kid).
 * Null when it is none of them or does not verify.
 */
export async function authenticate(token: string, config: AuthConfig): Promise<Principal | null> {
  const credential = staticCredential(token, config);
  if (credential === 'operator') return { kind: 'operator' };
  if (credential === 'service') return { kind: 'service', name: 'static', scopes: STATIC_SERVICE_SCOPES };
  if (token.startsWith(API_KEY_PREFIX)) return config.apiKeys ? config.apiKeys.resolve(token) : null;
  try {
    if (isServiceTokenShape(token)) {
      const claims = await config.verifier.verifyService(token);
      return { kind: 'service', name: claims.client_id, scopes: claims.scope.split(' ').filter(Boolean) };
    }
    const claims = await config.verifier.verify(token);
    return {
      kind: 'user',
      userId: claims.sub,
      email: claims.email,
      tokenId: claims.jti,
      organizationId: claims.org,
      region: claims.region,
      emailVerified: claims.email_verified === true,
      // amr (RFC 8176): the session passed a second factor (docs/mfa.md)
      mfa: Array.isArray(claims.amr) && claims.amr.includes('mfa'),
    };
  } catch {
    return null;
  }
}

function sameSecret(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kinds = this.reflector.getAllAndOverride<PrincipalKind[] | undefined>(AUTH_KINDS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!kinds) return true;
    const request = context.switchToHttp().getRequest();
    const header: unknown = request.headers?.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('a bearer token is required');
    const principal = await authenticate(match[1], this.config);
    if (!principal) throw new UnauthorizedException('the access token is invalid or expired');
    const targets = [context.getHandler(), context.getClass()];
    if (principal.kind === 'service') {
      // a service credential reaches an endpoint only with the one scope the endpoint names
      const scope = this.reflector.getAllAndOverride<string | undefined>(SERVICE_SCOPE_KEY, targets);
      if (!kinds.includes('service') || !scope) throw new ForbiddenException('this endpoint is not open to service credentials');
      if (!principal.scopes.includes(scope)) throw new ForbiddenException(`this endpoint needs a service credential with scope ${scope}`);
    } else if (principal.kind === 'apiKey') {
      // an API key acts like a member of its organization, on organization routes that name a permission
      if (!kinds.includes('user') || !this.reflector.getAllAndOverride<string | undefined>(ORG_PERMISSION_KEY, targets)) {
        throw new ForbiddenException('this endpoint is not open to organization API keys');
      }
    } else if (!kinds.includes(principal.kind)) {
      throw new ForbiddenException(`this endpoint is not open to ${principal.kind} credentials`);
    }
    if (principal.kind === 'service' || principal.kind === 'apiKey') request.credential = credentialName(principal);
    request.principal = principal;
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest().principal;
});
