import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, permissionMatrix } from '@lib/auth';
import { AuthzCheckDto } from '../organizations/organization.dto';
import { OrganizationsService } from '../organizations/organizations.service';

@ApiTags('authorization')
@Controller('v1')
@UseGuards(AuthGuard)
export class AuthzController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get('permissions')
  @ApiOperation({ summary: 'The role/permission matrix' })
  permissions() {
    return permissionMatrix();
  }

  @Post('authz/check')
  @HttpCode(200)
  @ApiBearerAuth()
  @Auth('operator', 'service')
  @ApiOperation({ summary: 'May this user do this in this organization, now? (gateway, operator or service credential)' })
  check(@Body() body: AuthzCheckDto) {
    return this.organizations.check(body.userId, body.organizationId, body.permission);
  }
}
