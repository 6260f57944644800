import { Inject, Injectable } from '@nestjs/common';
import { API_KEY_PATTERN, ApiKeyPrincipal, ApiKeyResolver, hashSecret, sameHash } from '@lib/auth';
import { regionOfOrganization } from '@lib/contracts';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { PackagingConfig } from '../config';
import { KnownApiKeyRepository } from './known-api-key.repository';

/**
 * Organization API keys accepted by app-packaging, verified against its own copy of the keys (hash of the
 * secret, role, organization, revocation), learned from organization.api-keys.v1. A key unknown here (not yet
 * delivered), revoked, or of an organization in another region is refused (401).
 */
@Injectable()
export class KnownApiKeyResolver implements ApiKeyResolver {
  constructor(
    private readonly keys: KnownApiKeyRepository,
    @Inject(SERVICE_CONFIG) private readonly config: PackagingConfig,
  ) {}

  async resolve(token: string): Promise<ApiKeyPrincipal | null> {
    const match = API_KEY_PATTERN.exec(token);
    if (!match) return null;
    const { state } = await this.keys.load(match[1]);
    if (!state.known || state.revoked || !sameHash(state.secretHash, hashSecret(match[2]))) return null;
    if (regionOfOrganization(state.organizationId) !== this.config.REGION) return null;
    return { kind: 'apiKey', keyId: state.keyId, name: state.name, organizationId: state.organizationId, role: state.role };
  }
}
