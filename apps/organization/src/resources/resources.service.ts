import { Injectable } from '@nestjs/common';
import { Principal } from '@lib/auth';
import { PHONE_NUMBER_KIND, ResourceType } from '@lib/contracts';
import { DomainError } from '@lib/eventstore';
import { sortableId } from '@lib/platform';
import { OrganizationsService } from '../organizations/organizations.service';
import { OrganizationState, Resource } from '../organizations/organization.decider';
import { ResourceChanges } from '../organizations/organization.commands';
import { Sealed, SecretBox } from './secret-box';
import { CreateIntegrationDto, CreatePhoneNumberDto, UpdateIntegrationDto, UpdatePhoneNumberDto } from './resource.dto';

/** what any endpoint shows of a resource: never the secret, only whether one is set */
export function resourceView(resource: Resource) {
  const { secret, ...rest } = resource;
  const base = { id: rest.resourceId, type: rest.type, kind: rest.kind, name: rest.name, status: rest.status };
  if (rest.type === 'phone-number') return { ...base, number: rest.number, provider: rest.provider, capabilities: rest.capabilities };
  return { ...base, config: rest.config, hasSecret: secret !== null };
}

const COLLECTIONS: Record<string, ResourceType> = { integrations: 'integration', 'phone-numbers': 'phone-number' };

type Toggle = 'DisableResource' | 'EnableResource' | 'DeleteResource';

/**
 * Resource commands of an organization: ids are made here; a secret is sealed with the organization's key
 * and the collection is checked under the organization's lock, as part of the command the decider decides
 * (no load-check-then-act).
 */
@Injectable()
export class ResourcesService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly secrets: SecretBox,
  ) {}

  private async change(id: string, principal: Principal, body: Parameters<OrganizationsService['command']>[2]) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    return this.organizations.command(id, principal, body);
  }

  /** the secret sealed with the organization's data key, read from the state being decided on */
  private sealWith(state: OrganizationState, secret: string): Sealed | null {
    // no key, no organization: the decider refuses the command with organization-not-found
    return state.wrappedKey ? this.secrets.sealFor(state.wrappedKey, secret) : null;
  }

  async createIntegration(id: string, principal: Principal, body: CreateIntegrationDto) {
    const resourceId = `res-${sortableId()}`;
    const result = await this.change(id, principal, (state) => ({
      type: 'CreateResource',
      resource: {
        resourceId,
        type: 'integration',
        kind: body.kind,
        name: body.name,
        config: body.config ?? {},
        secret: body.secret ? this.sealWith(state, body.secret) : null,
      },
    }));
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
    const type = this.typeOf(collection);
    const { state } = await this.organizations.read(id, principal, 'resources.read');
    return { items: [...state.resources.values()].filter((r) => r.type === type).map(resourceView) };
  }

  async get(id: string, collection: string, resourceId: string, principal: Principal) {
    const { state } = await this.organizations.read(id, principal, 'resources.read');
    const resource = state.resources.get(resourceId);
    if (!resource || resource.type !== COLLECTIONS[collection]) {
      throw new DomainError('not_found', 'resource not found', 'resource-not-found');
    }
    return resourceView(resource);
  }

  async updateIntegration(id: string, resourceId: string, body: UpdateIntegrationDto, principal: Principal) {
    const result = await this.change(id, principal, (state) => {
      const changes: ResourceChanges = {};
      if (body.name !== undefined) changes.name = body.name;
      if (body.config !== undefined) changes.config = body.config;
      if (body.secret !== undefined) changes.secret = this.sealWith(state, body.secret);
      return { type: 'UpdateResource', resourceId, resourceType: 'integration', changes };
    });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  async updatePhoneNumber(id: string, resourceId: string, body: UpdatePhoneNumberDto, principal: Principal) {
    const changes: ResourceChanges = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.capabilities !== undefined) changes.capabilities = body.capabilities;
    const result = await this.change(id, principal, { type: 'UpdateResource', resourceId, resourceType: 'phone-number', changes });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  /** disable, enable or delete a resource of the collection */
  async toggle(id: string, collection: string, resourceId: string, principal: Principal, type: Toggle) {
    this.organizations.checkId(id);
    const resourceType = this.typeOf(collection, 'resource not found', 'resource-not-found');
    const result = await this.change(id, principal, { type, resourceId, resourceType });
    return type === 'DeleteResource' ? undefined : resourceView(result.state.resources.get(resourceId)!);
  }

  private typeOf(collection: string, message = `no such collection: ${collection}`, code = 'not-found'): ResourceType {
    const type = Object.hasOwn(COLLECTIONS, collection) ? COLLECTIONS[collection] : undefined;
    if (!type) throw new DomainError('not_found', message, code);
    return type;
  }
}
