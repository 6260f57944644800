import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, permissionMatrix } from '@lib/auth';
import { ROUTE_TABLE } from './forward-auth.route';

@ApiTags('authorization')
@Controller('v1')
@UseGuards(AuthGuard)
export class AuthzController {
  @Get('permissions')
  @ApiOperation({ summary: 'The role/permission matrix' })
  permissions() {
    return permissionMatrix();
  }

  @Get('authz/routes')
  @ApiOperation({ summary: 'The route table forward-auth decides with: each route\'s callers and, for organization routes, the permission' })
  routes() {
    return { routes: ROUTE_TABLE };
  }
}
