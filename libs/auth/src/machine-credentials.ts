import { SetMetadata } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * What a named service credential may do. Each internal endpoint names the one scope it needs
 * (@ServiceScope); a credential without it is refused (403) even though it is a valid credential.
 */
export const SERVICE_SCOPES = [
  /** POST /v1/authz/check */
  'authz:check',
  /** POST /v1/organizations, GET /v1/organizations */
  'organizations:provision',
  /** PUT /v1/regions/memberships: a peer region's membership index entries (docs/regions.md) */
  'regions:memberships',
] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

export function isServiceScope(value: unknown): value is ServiceScope {
  return SERVICE_SCOPES.includes(value as ServiceScope);
}

/** Nest metadata key of @ServiceScope; the route table carries it as `scope` */
export const SERVICE_SCOPE_KEY = 'auth:service-scope';
/** the scope a service credential needs on this route (the route must also accept 'service' in @Auth) */
export const ServiceScope = (scope: ServiceScope) => SetMetadata(SERVICE_SCOPE_KEY, scope);

/**
 * what a static SERVICE_TOKENS entry may do: it predates named credentials and served the check; a peer region's
 * REGION_PEER_TOKEN is configured as one of them on the other regions (docs/regions.md), so it also records
 * membership index entries
 */
export const STATIC_SERVICE_SCOPES: readonly ServiceScope[] = ['authz:check', 'regions:memberships'];

/** claims of a service access token (OAuth 2.0 client credentials grant, RFC 9068 profile) */
export interface ServiceTokenClaims {
  sub: string;
  client_id: string;
  /** space-separated scopes (RFC 8693 §4.2) */
  scope: string;
  token_use: 'service';
  jti: string;
  iat: number;
  exp: number;
}

/** organization API keys: `ok_<keyId>.<secret>`, the key id names the organization (and so its region) */
export const API_KEY_PREFIX = 'ok_';
export const API_KEY_PATTERN = /^ok_(key-[a-z0-9-]{1,120})\.([A-Za-z0-9_-]{43})$/;

export interface ApiKeyPrincipal {
  kind: 'apiKey';
  keyId: string;
  name: string;
  organizationId: string;
  role: 'Developer' | 'Agent';
}

/** how a service that serves organization API keys turns a presented key into its principal (null: unknown or revoked) */
export interface ApiKeyResolver {
  resolve(token: string): Promise<ApiKeyPrincipal | null>;
}

/** secrets are 256 random bits: one SHA-256 is enough to store them (no dictionary to slow down) */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
