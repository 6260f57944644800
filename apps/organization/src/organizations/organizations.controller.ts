import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal, ServiceScope } from '@lib/auth';
import { OrganizationsService } from './organizations.service';
import {
  ChangeRoleDto,
  InviteMemberDto,
  PageQueryDto,
  ProvisionOrganizationDto,
  RenameOrganizationDto,
  SuspendOrganizationDto,
} from './organization.dto';
import { AuditQueryDto } from '../audit/audit.dto';


@ApiTags('organizations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @Auth('operator', 'service')
  @ServiceScope('organizations:provision')
  @ApiOperation({ summary: 'Provision an organization in this stack\'s region (operator, or a service credential with organizations:provision)' })
  provision(@Body() body: ProvisionOrganizationDto, @CurrentPrincipal() principal: Principal) {
    return this.organizations.provision({ name: body.name, region: body.region, adminEmail: body.admin.email }, principal);
  }

  @Get()
  @Auth('operator', 'service')
  @ServiceScope('organizations:provision')
  @ApiOperation({ summary: 'List the organizations of this stack (operator, or a service credential with organizations:provision)' })
  list(@Query() query: PageQueryDto) {
    return this.organizations.listOrganizations(query.cursor, query.limit ?? 50);
  }

  @Get(':id')
  @OrgPermission('console.access')
  @Auth('user', 'operator')
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const { state } = await this.organizations.read(id, principal, 'console.access');
    return this.organizations.view(state);
  }

  @Patch(':id')
  @OrgPermission('organization.manage')
  @Auth('user')
  @ApiOperation({ summary: 'Rename (Admin)' })
  async rename(@Param('id') id: string, @Body() body: RenameOrganizationDto, @CurrentPrincipal() principal: Principal) {
    const result = await this.organizations.command(id, principal, { type: 'RenameOrganization', name: body.name });
    return this.organizations.view(result.state);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @Auth('operator')
  async suspend(@Param('id') id: string, @Body() body: SuspendOrganizationDto, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    const result = await this.organizations.command(id, principal, { type: 'SuspendOrganization', reason: body.reason ?? '' });
    return this.organizations.view(result.state);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @Auth('operator')
  async reactivate(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    const result = await this.organizations.command(id, principal, { type: 'ReactivateOrganization' });
    return this.organizations.view(result.state);
  }

  @Post(':id/invitations')
  @OrgPermission('members.manage')
  @Auth('user')
  @ApiOperation({ summary: 'Invite someone by email with a role (Admin)' })
  async invite(@Param('id') id: string, @Body() body: InviteMemberDto, @CurrentPrincipal() principal: Principal) {
    return this.organizations.invite(id, principal, body);
  }

  @Delete(':id/invitations/:invitationId')
  @HttpCode(204)
  @OrgPermission('members.manage')
  @Auth('user')
  async revoke(@Param('id') id: string, @Param('invitationId') invitationId: string, @CurrentPrincipal() principal: Principal) {
    await this.organizations.command(id, principal, { type: 'RevokeInvitation', invitationId });
  }

  @Get(':id/members')
  @OrgPermission('members.read')
  @Auth('user', 'operator')
  async members(@Param('id') id: string, @Query() query: PageQueryDto, @CurrentPrincipal() principal: Principal) {
    await this.organizations.read(id, principal, 'members.read');
    return this.organizations.listMembers(id, query.cursor, query.limit ?? 50);
  }

  @Put(':id/members/:userId')
  @OrgPermission('members.manage')
  @Auth('user')
  async changeRole(
    @Param('id') id: string,
    @Param('userId') userId: string,
    @Body() body: ChangeRoleDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const result = await this.organizations.command(id, principal, { type: 'ChangeMemberRole', userId, role: body.role });
    return result.state.members.get(userId);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  // leaving an organization is open to every member: the decider asks members.manage to remove someone else
  @OrgPermission('console.access')
  @Auth('user')
  async remove(@Param('id') id: string, @Param('userId') userId: string, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    await this.organizations.command(id, principal, { type: 'RemoveMember', userId });
  }

  @Get(':id/audit')
  @OrgPermission('audit.read')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Every change, newest first, filtered by action, actor, subject and time (Admin)' })
  async audit(@Param('id') id: string, @Query() query: AuditQueryDto, @CurrentPrincipal() principal: Principal) {
    await this.organizations.read(id, principal, 'audit.read');
    const { cursor, limit, ...filter } = query;
    return this.organizations.audit(id, filter, cursor, limit ?? 50);
  }
}

@ApiTags('invitations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/invitations')
export class InvitationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post(':id/accept')
  @HttpCode(200)
  @Auth('user')
  @ApiOperation({ summary: 'Accept an invitation addressed to the signed-in user\'s email' })
  async accept(@Param('id') invitationId: string, @CurrentPrincipal() principal: Principal) {
    if (principal.kind !== 'user') throw new Error('unreachable');
    return this.organizations.acceptInvitation(invitationId, principal);
  }
}
