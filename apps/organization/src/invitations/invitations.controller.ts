import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { PageQueryDto } from '../organizations/organization.dto';
import { InvitationLifecycleService } from './invitations.service';

@ApiTags('invitations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller()
export class InvitationLifecycleController {
  constructor(private readonly invitations: InvitationLifecycleService) {}

  @Get('v1/organizations/:id/invitations')
  @OrgPermission('members.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Every invitation with its state (pending, accepted, declined, revoked, expired), paginated like members' })
  list(@Param('id') id: string, @Query() query: PageQueryDto, @CurrentPrincipal() principal: Principal) {
    return this.invitations.list(id, principal, query.cursor, query.limit ?? 50);
  }

  @Post('v1/organizations/:id/invitations/:invitationId/resend')
  @HttpCode(200)
  @OrgPermission('members.manage')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Mail the invitation again with a new link and expiry; the previous link stops working (Admin, throttled)' })
  resend(@Param('id') id: string, @Param('invitationId') invitationId: string, @CurrentPrincipal() principal: Principal) {
    return this.invitations.resend(id, invitationId, principal);
  }

  @Post('v1/invitations/:id/decline')
  @HttpCode(200)
  @Auth('user')
  @ApiOperation({ summary: 'Decline an invitation addressed to the signed-in user\'s verified email' })
  decline(@Param('id') invitationId: string, @CurrentPrincipal() principal: Principal) {
    if (principal.kind !== 'user') throw new Error('unreachable');
    return this.invitations.decline(invitationId, principal);
  }
}
