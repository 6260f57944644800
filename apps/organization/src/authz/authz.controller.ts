import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, permissionMatrix } from '@lib/auth';

@ApiTags('authorization')
@Controller('v1')
@UseGuards(AuthGuard)
export class AuthzController {
  @Get('permissions')
  @ApiOperation({ summary: 'The role/permission matrix' })
  permissions() {
    return permissionMatrix();
  }
}
