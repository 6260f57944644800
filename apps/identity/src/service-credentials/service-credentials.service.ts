import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { hashSecret, isServiceScope, SERVICE_SCOPES } from '@lib/auth';
import { DomainError } from '@lib/eventstore';
import { logger, ProblemException } from '@lib/platform';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { IdentityConfig } from '../config';
import { SigningKeys } from '../keys/signing-keys';
import { credentialFor, ServiceCredential, ServiceCredentialCommand } from './service-credential.decider';
import { ServiceCredentialRepository } from './service-credential.repository';

const SECRET_PREFIX = 'scs_';
const SECRET = /^scs_[A-Za-z0-9_-]{43}$/;

export interface CredentialView {
  name: string;
  scopes: string[];
  description: string | null;
  status: 'active' | 'revoked';
  createdAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  /** when a rotation's previous secret stops working (null: no overlap running) */
  previousSecretValidUntil: string | null;
}

/** the RFC 6749 §5.2 error, also as problem details (RFC 9457) */
function oauthError(status: 400 | 401, error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope', detail: string) {
  return new ProblemException(status, detail, { code: error, error, error_description: detail }, status === 401 ? { 'www-authenticate': 'Basic realm="orgs-control-plane"' } : {});
}

@Injectable()
export class ServiceCredentialsService {
  private readonly log = logger('identity.service-credentials');

  constructor(
    private readonly credentials: ServiceCredentialRepository,
    private readonly keys: SigningKeys,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  private async run(command: ServiceCredentialCommand) {
    const result = await this.credentials.handle('all', command, { at: command.at, actor: 'operator' });
    return result.state.credentials.get(command.name)!;
  }

  async create(input: { name: string; scopes: string[]; description?: string }) {
    const unknown = input.scopes.filter((s) => !isServiceScope(s));
    if (unknown.length) throw new DomainError('invalid', `unknown scopes ${unknown.join(', ')} (known: ${SERVICE_SCOPES.join(', ')})`, 'unknown-scope');
    const secret = newSecret();
    const at = new Date().toISOString();
    const credential = await this.run({ type: 'CreateServiceCredential', at, name: input.name, scopes: input.scopes, secretHash: hashSecret(secret), description: input.description ?? null });
    this.log.info({ credential: input.name, scopes: credential.scopes }, 'service credential created');
    return { ...view(credential, at), clientId: credential.name, clientSecret: secret };
  }

  async rotate(name: string, overlapSeconds: number) {
    const secret = newSecret();
    const now = Date.now();
    const at = new Date(now).toISOString();
    const previousValidUntil = new Date(now + overlapSeconds * 1000).toISOString();
    const credential = await this.run({ type: 'RotateServiceCredential', at, name, secretHash: hashSecret(secret), previousValidUntil });
    this.log.info({ credential: name, previousValidUntil }, 'service credential rotated');
    return { ...view(credential, at), clientId: name, clientSecret: secret };
  }

  async revoke(name: string) {
    const at = new Date().toISOString();
    const credential = await this.run({ type: 'RevokeServiceCredential', at, name });
    this.log.info({ credential: name }, 'service credential revoked');
    return view(credential, at);
  }

  async list(): Promise<CredentialView[]> {
    const { state } = await this.credentials.load('all');
    const now = new Date().toISOString();
    return [...state.credentials.values()].sort((a, b) => a.name.localeCompare(b.name)).map((c) => view(c, now));
  }

  /**
   * OAuth 2.0 client credentials grant (RFC 6749 §4.4): the client authenticates with HTTP Basic or
   * client_id/client_secret in the body and gets a short-lived ES256 access token with `scope`, which every
   * service verifies through the JWKS it already uses for user tokens.
   */
  async issueToken(input: { grantType?: unknown; clientId?: unknown; clientSecret?: unknown; scope?: unknown; basic?: string }) {
    if (input.grantType !== 'client_credentials') throw oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    let clientId = input.clientId;
    let clientSecret = input.clientSecret;
    if (input.basic !== undefined) {
      const decoded = Buffer.from(input.basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0 || clientId !== undefined || clientSecret !== undefined) {
        throw oauthError(400, 'invalid_request', 'authenticate the client once: HTTP Basic or client_id and client_secret in the body');
      }
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || clientId.length > 63) {
      throw oauthError(401, 'invalid_client', 'client authentication failed');
    }
    const { state } = await this.credentials.load('all');
    const credential = SECRET.test(clientSecret) ? credentialFor(state, clientId, hashSecret(clientSecret), new Date().toISOString()) : null;
    if (!credential) {
      this.log.warn({ credential: clientId.replace(/[^\w-]/g, '?') }, 'service credential refused');
      throw oauthError(401, 'invalid_client', 'client authentication failed');
    }
    let scopes = credential.scopes;
    if (input.scope !== undefined) {
      if (typeof input.scope !== 'string') throw oauthError(400, 'invalid_request', 'scope must be a space-separated string');
      const asked = input.scope.split(' ').filter(Boolean);
      const extra = asked.filter((s) => !credential.scopes.includes(s));
      if (extra.length) throw oauthError(400, 'invalid_scope', `the credential ${credential.name} does not hold ${extra.join(', ')}`);
      scopes = asked;
    }
    const ttl = this.config.SERVICE_TOKEN_TTL_SECONDS;
    const token = await this.keys.sign({ token_use: 'service', client_id: credential.name, scope: scopes.join(' ') }, `service:${credential.name}`, ttl, randomUUID());
    this.log.info({ credential: credential.name, scopes }, 'service credential used: access token issued');
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') };
  }
}

function newSecret() {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function view(c: ServiceCredential, now: string): CredentialView {
  const previous = c.secrets.find((s) => s.validUntil !== null && s.validUntil > now);
  return {
    name: c.name,
    scopes: c.scopes,
    description: c.description,
    status: c.revokedAt ? 'revoked' : 'active',
    createdAt: c.createdAt,
    rotatedAt: c.rotatedAt,
    revokedAt: c.revokedAt,
    previousSecretValidUntil: previous?.validUntil ?? null,
  };
}
