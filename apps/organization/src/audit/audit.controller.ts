import { Controller, Get, Header, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { OrganizationsService } from '../organizations/organizations.service';
import { AuditQueryDto } from './audit.dto';

interface Reply {
  header(name: string, value: string): Reply;
}

@ApiTags('organizations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations')
export class AuditController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get(':id/audit/export')
  @OrgPermission('audit.read')
  @Auth('user', 'operator')
  @Header('content-type', 'application/x-ndjson; charset=utf-8')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    summary: 'The audit trail as JSON Lines, newest first, with the same filters and paging (Admin); the next page\'s cursor is in the x-next-cursor header',
  })
  async export(@Param('id') id: string, @Query() query: AuditQueryDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: Reply) {
    await this.organizations.read(id, principal, 'audit.read');
    const { cursor, limit, ...filter } = query;
    const page = this.organizations.audit(id, filter, cursor, limit ?? 50);
    if (page.nextCursor) reply.header('x-next-cursor', page.nextCursor);
    return page.items.map((item) => `${JSON.stringify(item)}\n`).join('');
  }
}
