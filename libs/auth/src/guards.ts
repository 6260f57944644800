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
import { TokenVerifier } from './tokens';

export type Principal =
  | { kind: 'user'; userId: string; email: string; tokenId: string; organizationId?: string; region?: string; emailVerified?: boolean; mfa?: boolean }
  | { kind: 'operator' }
  | { kind: 'service' };
export type PrincipalKind = Principal['kind'];

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
export interface AuthConfig {
  verifier: TokenVerifier;
  operatorToken: string;
  /** the previous operator token, still accepted while a rotation is rolled out */
  previousOperatorToken?: string;
  serviceTokens: readonly string[];
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
    const token = match[1];
    let principal: Principal;
    const credential = staticCredential(token, this.config);
    if (credential) principal = { kind: credential };
    else {
      try {
        const claims = await this.config.verifier.verify(token);
        principal = {
          kind: 'user',
          userId: claims.sub,
          email: claims.email,
          tokenId: claims.jti,
          organizationId: claims.org,
          region: claims.region,
          emailVerified: claims.email_verified === true,
          mfa: Array.isArray(claims.amr) && claims.amr.includes('mfa'),
        };
      } catch {
        throw new UnauthorizedException('the access token is invalid or expired');
      }
    }
    if (!kinds.includes(principal.kind)) {
      throw new ForbiddenException(`this endpoint is not open to ${principal.kind} credentials`);
    }
    request.principal = principal;
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest().principal;
});
