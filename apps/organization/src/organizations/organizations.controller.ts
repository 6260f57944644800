import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, Principal } from '@lib/auth';
import { sortableId } from '@lib/platform';
import { DomainError } from '@lib/eventstore';
import { OrganizationsService } from './organizations.service';
import {
  ChangeRoleDto,
  InviteMemberDto,
  PageQueryDto,
  ProvisionOrganizationDto,
  RenameOrganizationDto,
  SuspendOrganizationDto,
} from './organization.dto';


@ApiTags('organizations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @Auth('operator')
  @ApiOperation({ summary: 'Provision an organization in this stack\'s region (operator)' })
  provision(@Body() body: ProvisionOrganizationDto, @CurrentPrincipal() principal: Principal) {
    return this.organizations.provision({ name: body.name, region: body.region, adminEmail: body.admin.email }, principal);
  }

  @Get()
  @Auth('operator')
  @ApiOperation({ summary: 'List the organizations of this stack (operator)' })
  list(@Query() query: PageQueryDto) {
    return this.organizations.listOrganizations(query.cursor, query.limit ?? 50);
  }

  @Get(':id')
  @Auth('user', 'operator')
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const { state } = await this.organizations.read(id, principal, 'console.access');
    return this.organizations.view(state);
  }

  @Patch(':id')
  @Auth('user')
  @ApiOperation({ summary: 'Rename (Admin)' })
  async rename(@Param('id') id: string, @Body() body: RenameOrganizationDto, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
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
  @Auth('user')
  @ApiOperation({ summary: 'Invite someone by email with a role (Admin)' })
  async invite(@Param('id') id: string, @Body() body: InviteMemberDto, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    const invitationId = `inv-${sortableId()}`;
    const expiresAt = new Date(Date.now() + this.invitationTtlMs()).toISOString();
    const result = await this.organizations.command(id, principal, {
      type: 'InviteMember',
      invitationId,
      email: body.email,
      role: body.role,
      expiresAt,
    });
    const invitation = result.state.invitations.get(invitationId)!;
    return { ...invitation, organizationId: id };
  }

  @Get(':id/invitations')
  @Auth('user', 'operator')
  async invitations(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const { state } = await this.organizations.read(id, principal, 'members.manage');
    return { items: this.organizations.listInvitations(state, new Date().toISOString()) };
  }

  @Delete(':id/invitations/:invitationId')
  @HttpCode(204)
  @Auth('user')
  async revoke(@Param('id') id: string, @Param('invitationId') invitationId: string, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    await this.organizations.command(id, principal, { type: 'RevokeInvitation', invitationId });
  }

  @Get(':id/members')
  @Auth('user', 'operator')
  async members(@Param('id') id: string, @Query() query: PageQueryDto, @CurrentPrincipal() principal: Principal) {
    await this.organizations.read(id, principal, 'members.read');
    return this.organizations.listMembers(id, query.cursor, query.limit ?? 50);
  }

  @Put(':id/members/:userId')
  @Auth('user')
  async changeRole(
    @Param('id') id: string,
    @Param('userId') userId: string,
    @Body() body: ChangeRoleDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    const result = await this.organizations.command(id, principal, { type: 'ChangeMemberRole', userId, role: body.role });
    return result.state.members.get(userId);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @Auth('user')
  async remove(@Param('id') id: string, @Param('userId') userId: string, @CurrentPrincipal() principal: Principal) {
    this.organizations.checkId(id);
    this.organizations.assertScoped(principal, id);
    await this.organizations.command(id, principal, { type: 'RemoveMember', userId });
  }

  @Get(':id/audit')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Every change, newest first (Admin)' })
  async audit(@Param('id') id: string, @Query() query: PageQueryDto, @CurrentPrincipal() principal: Principal) {
    await this.organizations.read(id, principal, 'audit.read');
    return this.organizations.audit(id, query.cursor, query.limit ?? 50);
  }

  private invitationTtlMs() {
    return this.organizations.invitationTtlSeconds * 1000;
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
    // the token's email is only a claim until its owner proved they receive mail there
    if (!principal.emailVerified) {
      throw new DomainError('forbidden', 'confirm your email address (the link we mailed you) before accepting an invitation', 'email-not-verified');
    }
    const organizationId = this.organizations.organizationOfInvitation(invitationId);
    const result = await this.organizations.command(organizationId, principal, {
      type: 'AcceptInvitation',
      invitationId,
      userId: principal.userId,
      email: principal.email.toLowerCase(),
    });
    const member = result.state.members.get(principal.userId)!;
    return { organizationId, name: result.state.name, region: result.state.region, role: member.role };
  }
}
