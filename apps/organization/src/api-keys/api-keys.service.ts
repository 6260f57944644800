import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { API_KEY_PATTERN, ApiKeyPrincipal, ApiKeyResolver, credentialName, hashSecret, Principal, sameHash } from '@lib/auth';
import { regionOfOrganization } from '@lib/contracts';
import { ProjectionRunner, ReadModelDatabase } from '@lib/eventstore';
import { sortableId } from '@lib/platform';
import { PROJECTIONS, READ_MODELS, SERVICE_CONFIG } from '@lib/service-kit';
import { OrganizationConfig } from '../config';
import { roleOf } from '../organizations/organization.decider';
import { OrganizationsService } from '../organizations/organizations.service';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyRole } from './api-key.events';
import { ApiKeyView, listApiKeys } from './api-keys.read-model';

/**
 * Organization API keys for customers' automation: `ok_<keyId>.<secret>`, shown once, stored as a hash. A
 * key acts as its role in its own organization only; the services' guards and forward-auth resolve it here.
 */
@Injectable()
export class ApiKeysService implements ApiKeyResolver {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly organizations: OrganizationsService,
    @Inject(SERVICE_CONFIG) private readonly config: OrganizationConfig,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner,
  ) {}

  async create(organizationId: string, principal: Principal, input: { name: string; role: ApiKeyRole }) {
    // the creator's current role, from the organization's write model (OrgPermission already required Admin)
    const { state } = await this.organizations.read(organizationId, principal, 'organization.manage');
    const creatorRole = roleOf(state, this.organizations.actorOf(principal));
    const keyId = `key-${sortableId()}`;
    const secret = randomBytes(32).toString('base64url');
    const at = new Date().toISOString();
    const createdBy = credentialName(principal);
    const result = await this.keys.handle(
      keyId,
      { type: 'CreateApiKey', at, keyId, organizationId, name: input.name, role: input.role, secretHash: hashSecret(secret), createdBy, creatorRole },
      { at, actor: createdBy },
    );
    if (result.position > 0) await this.projections.waitFor(result.position);
    return { ...this.view(result.state), key: `ok_${keyId}.${secret}` };
  }

  async revoke(organizationId: string, principal: Principal, keyId: string) {
    this.organizations.checkId(organizationId);
    const at = new Date().toISOString();
    const revokedBy = credentialName(principal);
    const result = await this.keys.handle(keyId, { type: 'RevokeApiKey', at, organizationId, revokedBy }, { at, actor: revokedBy });
    if (result.position > 0) await this.projections.waitFor(result.position);
    return this.view(result.state);
  }

  list(organizationId: string): ApiKeyView[] {
    return listApiKeys(this.readModels.db, organizationId);
  }

  /** the principal of a presented key from its cached fold (no log scan), or null: unknown, revoked, other region */
  async resolve(token: string): Promise<ApiKeyPrincipal | null> {
    const match = API_KEY_PATTERN.exec(token);
    if (!match) return null;
    const { state } = await this.keys.load(match[1]);
    if (!state.exists || state.revokedAt || !sameHash(state.secretHash, hashSecret(match[2]))) return null;
    if (regionOfOrganization(state.organizationId) !== this.config.REGION) return null;
    return { kind: 'apiKey', keyId: state.keyId, name: state.name, organizationId: state.organizationId, role: state.role };
  }

  private view(state: { keyId: string; name: string; role: string; createdBy: string; createdAt: string; revokedAt: string | null }): ApiKeyView {
    return {
      id: state.keyId,
      name: state.name,
      role: state.role,
      createdBy: state.createdBy,
      createdAt: state.createdAt,
      revokedAt: state.revokedAt,
      status: state.revokedAt ? 'revoked' : 'active',
    };
  }
}

