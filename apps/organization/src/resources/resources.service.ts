import { Injectable } from '@nestjs/common';
import { Principal } from '@lib/auth';
import { PHONE_NUMBER_KIND, ResourceType } from '@lib/contracts';
import { DomainError } from '@lib/eventstore';
import { sortableId } from '@lib/platform';
import { OrganizationsService } from '../organizations/organizations.service';
import { OrganizationRepository } from '../organizations/organization.repository';
import { Resource } from '../organizations/organization.decider';
import { SecretBox } from './secret-box';
import { CreateIntegrationDto, CreatePhoneNumberDto, UpdateIntegrationDto, UpdatePhoneNumberDto } from './resource.dto';

/** what any endpoint shows of a resource: never the secret, only whether one is set */
export function resourceView(resource: Resource) {
  const { secret, ...rest } = resource;
  const base = { id: rest.resourceId, type: rest.type, kind: rest.kind, name: rest.name, status: rest.status };
  if (rest.type === 'phone-number') return { ...base, number: rest.number, provider: rest.provider, capabilities: rest.capabilities };
  return { ...base, config: rest.config, hasSecret: secret !== null };
}

const COLLECTIONS: Record<string, ResourceType> = { integrations: 'integration', 'phone-numbers': 'phone-number' };

/** resource commands of an organization: ids are made here, secrets sealed with the organization's key */
@Injectable()
export class ResourcesService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly repository: OrganizationRepository,
    private readonly secrets: SecretBox,
  ) {}

  private async change(id: string, principal: Principal, body: Parameters<OrganizationsService['command']>[2]) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    return this.organizations.command(id, principal, body);
  }

  private async seal(id: string, secret: string) {
    const { state } = await this.repository.load(id);
    if (!state.wrappedKey) throw new DomainError('not_found', 'organization not found', 'organization-not-found');
    return this.secrets.sealFor(state.wrappedKey, secret);
  }

  async createIntegration(id: string, principal: Principal, body: CreateIntegrationDto) {
    this.organizations.checkId(id);
    const resourceId = `res-${sortableId()}`;
    const secret = body.secret ? await this.seal(id, body.secret) : null;
    const result = await this.change(id, principal, {
      type: 'CreateResource',
      resource: { resourceId, type: 'integration', kind: body.kind, name: body.name, config: body.config ?? {}, secret },
    });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  async createPhoneNumber(id: string, principal: Principal, body: CreatePhoneNumberDto) {
    const resourceId = `res-${sortableId()}`;
    const result = await this.change(id, principal, {
      type: 'CreateResource',
      resource: {
        resourceId,
        type: 'phone-number',
        kind: PHONE_NUMBER_KIND,
        name: body.name ?? body.number,
        config: {},
        secret: null,
        number: body.number,
        provider: body.provider,
        capabilities: body.capabilities,
      },
    });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  async list(id: string, collection: string, principal: Principal) {
    const type = COLLECTIONS[collection];
    if (!type) throw new DomainError('not_found', `no such collection: ${collection}`, 'not-found');
    const { state } = await this.organizations.read(id, principal, 'resources.read');
    return { items: [...state.resources.values()].filter((r) => r.type === type).map(resourceView) };
  }

  async get(id: string, collection: string, resourceId: string, principal: Principal) {
    const { state } = await this.organizations.read(id, principal, 'resources.read');
    return resourceView(this.find(state.resources.get(resourceId), collection));
  }

  async updateIntegration(id: string, resourceId: string, body: UpdateIntegrationDto, principal: Principal) {
    this.organizations.checkId(id);
    const changes: Record<string, unknown> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.config !== undefined) changes.config = body.config;
    if (body.secret !== undefined) changes.secret = await this.seal(id, body.secret);
    await this.expect(id, resourceId, 'integrations');
    const result = await this.change(id, principal, { type: 'UpdateResource', resourceId, changes });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  async updatePhoneNumber(id: string, resourceId: string, body: UpdatePhoneNumberDto, principal: Principal) {
    this.organizations.checkId(id);
    await this.expect(id, resourceId, 'phone-numbers');
    const changes: Record<string, unknown> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.capabilities !== undefined) changes.capabilities = body.capabilities;
    const result = await this.change(id, principal, { type: 'UpdateResource', resourceId, changes });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  /** disable, enable or delete a resource of the collection */
  async toggle(id: string, collection: string, resourceId: string, principal: Principal, type: 'DisableResource' | 'EnableResource' | 'DeleteResource') {
    this.organizations.checkId(id);
    await this.expect(id, resourceId, collection);
    const result = await this.change(id, principal, { type, resourceId });
    return type === 'DeleteResource' ? undefined : resourceView(result.state.resources.get(resourceId)!);
  }

  /** a resource id under the wrong collection is as unknown as a missing one */
  private async expect(id: string, resourceId: string, collection: string) {
    const { state } = await this.repository.load(id);
    this.find(state.resources.get(resourceId), collection);
  }

  private find(resource: Resource | undefined, collection: string): Resource {
    if (!resource || resource.type !== COLLECTIONS[collection]) {
      throw new DomainError('not_found', 'resource not found', 'resource-not-found');
    }
    return resource;
  }
}
