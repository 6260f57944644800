import { Body, Controller, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { OrganizationsService } from '../organizations/organizations.service';
import { MfaRequirementDto } from './mfa-requirement.dto';

@ApiTags('organizations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations')
export class MfaRequirementController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Put(':id/mfa-requirement')
  @OrgPermission('organization.manage')
  @Auth('user')
  @ApiOperation({ summary: 'Require (or stop requiring) a second factor of every member (Admin)' })
  async set(@Param('id') id: string, @Body() body: MfaRequirementDto, @CurrentPrincipal() principal: Principal) {
    const result = await this.organizations.command(id, principal, {
      type: 'SetMfaRequirement',
      required: body.required,
      actorMfa: principal.kind === 'user' && principal.mfa === true,
    });
    return { organizationId: result.state.id, mfaRequired: result.state.mfaRequired ?? false };
  }
}
