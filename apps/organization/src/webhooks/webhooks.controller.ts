import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { PageQueryDto } from '../organizations/organization.dto';
import { WebhooksService } from './webhooks.service';
import { CreateWebhookEndpointDto, DisableWebhookEndpointDto, UpdateWebhookEndpointDto, WebhookAttemptsQueryDto } from './webhook.dto';

/** an organization's webhook endpoints, their deliveries and attempts (Admins: organization.manage) */
@ApiTags('webhooks')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations/:id/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Register a webhook endpoint; the answer carries its signing secret (whsec_...), shown this once' })
  register(@Param('id') id: string, @Body() body: CreateWebhookEndpointDto, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.register(id, principal, body);
  }

  @Get()
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: "The organization's webhook endpoints (status, and why one is disabled)" })
  list(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.list(id, principal);
  }

  @Get(':endpointId')
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  get(@Param('id') id: string, @Param('endpointId') endpointId: string, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.get(id, endpointId, principal);
  }

  @Patch(':endpointId')
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Change the URL, event types or description of an endpoint' })
  update(@Param('id') id: string, @Param('endpointId') endpointId: string, @Body() body: UpdateWebhookEndpointDto, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.update(id, endpointId, principal, body);
  }

  @Post(':endpointId/disable')
  @HttpCode(200)
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  disable(@Param('id') id: string, @Param('endpointId') endpointId: string, @Body() body: DisableWebhookEndpointDto, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.disable(id, endpointId, principal, body.reason);
  }

  @Post(':endpointId/enable')
  @HttpCode(200)
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Deliver again to a disabled endpoint (its pending deliveries resume)' })
  enable(@Param('id') id: string, @Param('endpointId') endpointId: string, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.enable(id, endpointId, principal);
  }

  @Delete(':endpointId')
  @HttpCode(204)
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  async delete(@Param('id') id: string, @Param('endpointId') endpointId: string, @CurrentPrincipal() principal: Principal) {
    await this.webhooks.delete(id, endpointId, principal);
  }

  @Post(':endpointId/rotate-secret')
  @HttpCode(200)
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'A new signing secret, shown this once; the next attempts are signed with it' })
  rotate(@Param('id') id: string, @Param('endpointId') endpointId: string, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.rotateSecret(id, endpointId, principal);
  }

  @Get(':endpointId/deliveries')
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Deliveries to an endpoint, newest first (status, attempts, last response code and error)' })
  deliveries(@Param('id') id: string, @Param('endpointId') endpointId: string, @Query() query: PageQueryDto, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.deliveriesOf(id, endpointId, principal, query.limit ?? 50, query.cursor);
  }

  @Get(':endpointId/attempts')
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Delivery attempts to an endpoint, newest first (status, latency, response code, error)' })
  attempts(@Param('id') id: string, @Param('endpointId') endpointId: string, @Query() query: WebhookAttemptsQueryDto, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.attemptsOf(id, endpointId, principal, query.limit ?? 50, query.cursor, query.deliveryId);
  }

  @Post(':endpointId/deliveries/:deliveryId/replay')
  @HttpCode(202)
  @OrgPermission('organization.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Send a delivery again now (same webhook-id), with a fresh retry schedule' })
  replay(@Param('id') id: string, @Param('endpointId') endpointId: string, @Param('deliveryId') deliveryId: string, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.replay(id, endpointId, deliveryId, principal);
  }
}
