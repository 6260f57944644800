import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { ResourcesService } from './resources.service';
import { CreateIntegrationDto, CreatePhoneNumberDto, UpdateIntegrationDto, UpdatePhoneNumberDto } from './resource.dto';

@ApiTags('resources')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations/:id')
export class ResourcesController {
  constructor(private readonly resources: ResourcesService) {}

  @Post('integrations')
  @Auth('user')
  @OrgPermission('resources.manage')
  @ApiOperation({ summary: 'Integrate an external resource (resources.manage); the secret is stored encrypted' })
  createIntegration(@Param('id') id: string, @Body() body: CreateIntegrationDto, @CurrentPrincipal() principal: Principal) {
    return this.resources.createIntegration(id, principal, body);
  }

  @Post('phone-numbers')
  @Auth('user')
  @OrgPermission('resources.manage')
  createPhoneNumber(@Param('id') id: string, @Body() body: CreatePhoneNumberDto, @CurrentPrincipal() principal: Principal) {
    return this.resources.createPhoneNumber(id, principal, body);
  }

  @Get(':collection')
  @Auth('user', 'operator')
  @OrgPermission('resources.read')
  list(@Param('id') id: string, @Param('collection') collection: string, @CurrentPrincipal() principal: Principal) {
    return this.resources.list(id, collection, principal);
  }

  @Get(':collection/:resourceId')
  @Auth('user', 'operator')
  @OrgPermission('resources.read')
  get(
    @Param('id') id: string,
    @Param('collection') collection: string,
    @Param('resourceId') resourceId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.resources.get(id, collection, resourceId, principal);
  }

  @Patch('integrations/:resourceId')
  @Auth('user')
  @OrgPermission('resources.manage')
  updateIntegration(
    @Param('id') id: string,
    @Param('resourceId') resourceId: string,
    @Body() body: UpdateIntegrationDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.resources.updateIntegration(id, resourceId, body, principal);
  }

  @Patch('phone-numbers/:resourceId')
  @Auth('user')
  @OrgPermission('resources.manage')
  updatePhoneNumber(
    @Param('id') id: string,
    @Param('resourceId') resourceId: string,
    @Body() body: UpdatePhoneNumberDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.resources.updatePhoneNumber(id, resourceId, body, principal);
  }

  @Post(':collection/:resourceId/disable')
  @HttpCode(200)
  @Auth('user')
  @OrgPermission('resources.manage')
  disable(@Param('id') id: string, @Param('collection') c: string, @Param('resourceId') resourceId: string, @CurrentPrincipal() p: Principal) {
    return this.resources.toggle(id, c, resourceId, p, 'DisableResource');
  }

  @Post(':collection/:resourceId/enable')
  @HttpCode(200)
  @Auth('user')
  @OrgPermission('resources.manage')
  enable(@Param('id') id: string, @Param('collection') c: string, @Param('resourceId') resourceId: string, @CurrentPrincipal() p: Principal) {
    return this.resources.toggle(id, c, resourceId, p, 'EnableResource');
  }

  @Delete(':collection/:resourceId')
  @HttpCode(204)
  @Auth('user')
  @OrgPermission('resources.manage')
  async remove(@Param('id') id: string, @Param('collection') c: string, @Param('resourceId') resourceId: string, @CurrentPrincipal() p: Principal) {
    await this.resources.toggle(id, c, resourceId, p, 'DeleteResource');
  }
}
