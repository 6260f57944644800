import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { ProblemException } from '@lib/platform';
import { AppsService } from './apps.service';
import { BindSlotDto, BulkBindDto, CreateAppDto, ImportQueryDto, UpdateAppDto } from './app.dto';

@ApiTags('apps')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations/:id/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Post()
  @Auth('user')
  @OrgPermission('apps.edit')
  create(@Param('id') id: string, @Body() body: CreateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.create(id, p, body);
  }

  @Get()
  @Auth('user', 'operator')
  @OrgPermission('apps.read')
  list(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.apps.list(id, p);
  }

  @Post('imports')
  @Auth('user')
  @OrgPermission('apps.import')
  @ApiConsumes('application/zip')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOperation({ summary: 'Import an app package (ZIP) into this organization: a new app that needs configuration, with a binding plan' })
  import(@Param('id') id: string, @Query() query: ImportQueryDto, @Req() request: { body: unknown; headers: Record<string, unknown> }, @CurrentPrincipal() p: Principal) {
    if (!Buffer.isBuffer(request.body)) {
      throw new ProblemException(415, 'upload the package as the request body with content-type application/zip', { code: 'zip-required' });
    }
    return this.apps.import(id, p, request.body, query.acknowledgeCrossRegion === true);
  }

  @Get(':appId')
  @Auth('user', 'operator')
  @OrgPermission('apps.read')
  get(@Param('id') id: string, @Param('appId') appId: string, @CurrentPrincipal() p: Principal) {
    return this.apps.get(id, appId, p);
  }

  @Patch(':appId')
  @Auth('user')
  @OrgPermission('apps.edit')
  @ApiOperation({ summary: 'Update the app: every update is a new version' })
  update(@Param('id') id: string, @Param('appId') appId: string, @Body() body: UpdateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.update(id, appId, p, body);
  }

  @Put(':appId/bindings/:slot')
  @Auth('user')
  @OrgPermission('apps.edit')
  bindOne(@Param('id') id: string, @Param('appId') appId: string, @Param('slot') slot: string, @Body() body: BindSlotDto, @CurrentPrincipal() p: Principal) {
    return this.apps.bind(id, appId, p, { [slot]: body.resourceId }, false);
  }

  @Put(':appId/bindings')
  @Auth('user')
  @OrgPermission('apps.edit')
  @ApiOperation({ summary: 'Bind several slots at once: a map, the binding plan\'s suggestions, or both (the map wins)' })
  bindMany(@Param('id') id: string, @Param('appId') appId: string, @Body() body: BulkBindDto, @CurrentPrincipal() p: Principal) {
    return this.apps.bind(id, appId, p, body.bindings, body.useSuggestions === true);
  }

  @Post(':appId/publish')
  @HttpCode(200)
  @Auth('user')
  @OrgPermission('apps.publish')
  publish(@Param('id') id: string, @Param('appId') appId: string, @CurrentPrincipal() p: Principal) {
    return this.apps.publish(id, appId, p);
  }

  @Post(':appId/exports')
  @Auth('user')
  @OrgPermission('apps.export')
  @ApiOperation({ summary: 'Export the app as a ZIP package (no resource ids, bindings or secrets)' })
  export(@Param('id') id: string, @Param('appId') appId: string, @CurrentPrincipal() p: Principal) {
    return this.apps.export(id, appId, p);
  }

  @Get(':appId/exports/:exportId/download')
  @Auth('user', 'operator')
  @OrgPermission('apps.export')
  async download(
    @Param('id') id: string,
    @Param('appId') appId: string,
    @Param('exportId') exportId: string,
    @CurrentPrincipal() p: Principal,
    @Res() reply: { header(k: string, v: string | number): unknown; send(body: unknown): unknown },
  ) {
    const file = await this.apps.download(id, appId, exportId, p);
    reply.header('content-type', 'application/zip');
    reply.header('content-length', file.size);
    reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
    reply.send(file.stream);
  }
}
