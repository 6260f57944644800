import { DomainError } from '@lib/eventstore';
import { ORGANIZATION_ID_PATTERN, Region, regionOfOrganization } from '@lib/contracts';

/**
 * An organization id this stack serves: garbage is 404; an id of another region is 421 naming the region
 * whose stack serves it (the gateway can route by the id alone).
 */
export function assertServedHere(organizationId: string, region: Region) {
  const of = regionOfOrganization(organizationId);
  if (!of || !ORGANIZATION_ID_PATTERN.test(organizationId)) {
    throw new DomainError('not_found', 'organization not found', 'organization-not-found');
  }
  if (of !== region) {
    throw new DomainError('misdirected', `organization ${organizationId} lives in region ${of}; this stack serves region ${region}`, 'wrong-region', {
      region: of,
    });
  }
}

/** organization-scoped endpoints take a user token only when it was scoped to that organization */
export function assertTokenScoped(principal: { kind: string; organizationId?: string }, organizationId: string) {
  if ((principal.kind === 'user' || principal.kind === 'apiKey') && principal.organizationId !== organizationId) {
    throw new DomainError(
      'forbidden',
      'this endpoint needs an access token scoped to the organization (POST /v1/sessions/organization)',
      'token-not-scoped',
    );
  }
}
