import { Body, Controller, HttpCode, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, ServiceScope } from '@lib/auth';
import { MembershipIndexEntryDto } from './regions.dto';
import { RegionsService } from './regions.service';

/** what peer regions call on this one (docs/regions.md); a service credential (their REGION_PEER_TOKEN) */
@ApiTags('regions')
@UseGuards(AuthGuard)
@Controller('v1/regions')
export class RegionsController {
  constructor(private readonly regions: RegionsService) {}

  @Put('memberships')
  @HttpCode(204)
  @ApiBearerAuth()
  @Auth('service')
  @ServiceScope('regions:memberships')
  @ApiOperation({
    summary: "Record a membership index entry from an organization's region (idempotent: the highest source revision wins)",
  })
  async record(@Body() body: MembershipIndexEntryDto) {
    await this.regions.record(body, new Date().toISOString());
  }
}
