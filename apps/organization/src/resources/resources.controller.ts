import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { PHONE_NUMBER_KIND, ResourceType } from '@lib/contracts';
import { sortableId } from '@lib/platform';
import { DomainError } from '@lib/eventstore';
import { OrganizationsService } from '../organizations/organizations.service';
import { Resource } from '../organizations/organization.decider';
import { ORGANIZATION_RUNTIME, OrganizationRuntime } from '../organization.runtime';
import { CreateIntegrationDto, CreatePhoneNumberDto, UpdateIntegrationDto, UpdatePhoneNumberDto } from './resource.dto';

/** what any endpoint shows of a resource: never the secret, only whether one is set */
export function resourceView(resource: Resource) {
  const { secret, ...rest } = resource;
  const base = { id: rest.resourceId, type: rest.type, kind: rest.kind, name: rest.name, status: rest.status };
  if (rest.type === 'phone-number') return { ...base, number: rest.number, provider: rest.provider, capabilities: rest.capabilities };
  return { ...base, config: rest.config, hasSecret: secret !== null };
}

const COLLECTIONS: Record<string, ResourceType> = { integrations: 'integration', 'phone-numbers': 'phone-number' };

@ApiTags('resources')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations/:id')
export class ResourcesController {
  constructor(
    private readonly organizations: OrganizationsService,
    @Inject(ORGANIZATION_RUNTIME) private readonly runtime: OrganizationRuntime,
  ) {}

  private async change(id: string, principal: Principal, body: Parameters<OrganizationsService['command']>[2]) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    return this.organizations.command(id, principal, body);
  }

  private async wrappedKey(id: string) {
    const { state } = await this.runtime.organizations.load(id);
    if (!state.wrappedKey) throw new DomainError('not_found', 'organization not found', 'organization-not-found');
    return state.wrappedKey;
  }

  @Post('integrations')
  @OrgPermission('resources.manage')
  @Auth('user')
  @ApiOperation({ summary: 'Integrate an external resource (resources.manage); the secret is stored encrypted' })
  async createIntegration(@Param('id') id: string, @Body() body: CreateIntegrationDto, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    const resourceId = `res-${sortableId()}`;
    const secret = body.secret ? this.runtime.secrets.sealFor(await this.wrappedKey(id), body.secret) : null;
    const result = await this.change(id, principal, {
      type: 'CreateResource',
      resource: { resourceId, type: 'integration', kind: body.kind, name: body.name, config: body.config ?? {}, secret },
    });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  @Post('phone-numbers')
  @OrgPermission('resources.manage')
  @Auth('user')
  async createPhoneNumber(@Param('id') id: string, @Body() body: CreatePhoneNumberDto, @CurrentPrincipal() principal: Principal) {
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

  @Get(':collection')
  @OrgPermission('resources.read')
  @Auth('user', 'operator')
  async list(@Param('id') id: string, @Param('collection') collection: string, @CurrentPrincipal() principal: Principal) {
    const type = COLLECTIONS[collection];
    if (!type) throw new DomainError('not_found', `no such collection: ${collection}`, 'not-found');
    const { state } = await this.organizations.read(id, principal, 'resources.read');
    return { items: [...state.resources.values()].filter((r) => r.type === type).map(resourceView) };
  }

  @Get(':collection/:resourceId')
  @OrgPermission('resources.read')
  @Auth('user', 'operator')
  async get(
    @Param('id') id: string,
    @Param('collection') collection: string,
    @Param('resourceId') resourceId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    const { state } = await this.organizations.read(id, principal, 'resources.read');
    return resourceView(this.find(state.resources.get(resourceId), collection));
  }

  @Patch('integrations/:resourceId')
  @OrgPermission('resources.manage')
  @Auth('user')
  async updateIntegration(
    @Param('id') id: string,
    @Param('resourceId') resourceId: string,
    @Body() body: UpdateIntegrationDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    this.organizations.checkId(id);
    const changes: Record<string, unknown> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.config !== undefined) changes.config = body.config;
    if (body.secret !== undefined) changes.secret = this.runtime.secrets.sealFor(await this.wrappedKey(id), body.secret);
    await this.expect(id, resourceId, 'integrations');
    const result = await this.change(id, principal, { type: 'UpdateResource', resourceId, changes });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  @Patch('phone-numbers/:resourceId')
  @OrgPermission('resources.manage')
  @Auth('user')
  async updatePhoneNumber(
    @Param('id') id: string,
    @Param('resourceId') resourceId: string,
    @Body() body: UpdatePhoneNumberDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    this.organizations.checkId(id);
    await this.expect(id, resourceId, 'phone-numbers');
    const changes: Record<string, unknown> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.capabilities !== undefined) changes.capabilities = body.capabilities;
    const result = await this.change(id, principal, { type: 'UpdateResource', resourceId, changes });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  @Post(':collection/:resourceId/disable')
  @HttpCode(200)
  @OrgPermission('resources.manage')
  @Auth('user')
  async disable(@Param('id') id: string, @Param('collection') c: string, @Param('resourceId') resourceId: string, @CurrentPrincipal() p: Principal) {
    this.organizations.checkId(id);
    await this.expect(id, resourceId, c);
    const result = await this.change(id, p, { type: 'DisableResource', resourceId });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  @Post(':collection/:resourceId/enable')
  @HttpCode(200)
  @OrgPermission('resources.manage')
  @Auth('user')
  async enable(@Param('id') id: string, @Param('collection') c: string, @Param('resourceId') resourceId: string, @CurrentPrincipal() p: Principal) {
    this.organizations.checkId(id);
    await this.expect(id, resourceId, c);
    const result = await this.change(id, p, { type: 'EnableResource', resourceId });
    return resourceView(result.state.resources.get(resourceId)!);
  }

  @Delete(':collection/:resourceId')
  @HttpCode(204)
  @OrgPermission('resources.manage')
  @Auth('user')
  async remove(@Param('id') id: string, @Param('collection') c: string, @Param('resourceId') resourceId: string, @CurrentPrincipal() p: Principal) {
    this.organizations.checkId(id);
    await this.expect(id, resourceId, c);
    await this.change(id, p, { type: 'DeleteResource', resourceId });
  }

  /** a resource id under the wrong collection is as unknown as a missing one */
  private async expect(id: string, resourceId: string, collection: string) {
    const { state } = await this.runtime.organizations.load(id);
    this.find(state.resources.get(resourceId), collection);
  }

  private find(resource: Resource | undefined, collection: string): Resource {
    if (!resource || resource.type !== COLLECTIONS[collection]) {
      throw new DomainError('not_found', 'resource not found', 'resource-not-found');
    }
    return resource;
  }
}
