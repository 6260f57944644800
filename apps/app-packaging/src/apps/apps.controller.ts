import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { Readable } from 'node:stream';
import { ProblemException } from '@lib/platform';
import { AppsService } from './apps.service';
import { BindSlotDto, BulkBindDto, CreateAppDto, ImportQueryDto, PublishDto, RollBackDto, UpdateAppDto } from './app.dto';
import { AppImportService } from './app-import.service';
import { parseDeploymentSettings } from './deployment-settings';

const DEPLOYMENT_SETTINGS_HEADER = 'x-deployment-settings';

@ApiTags('apps')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations/:id/apps')
export class AppsController {
  constructor(
    private readonly apps: AppsService,
    private readonly imports: AppImportService,
  ) {}

  @Post()
  @OrgPermission('apps.edit')
  @Auth('user')
  create(@Param('id') id: string, @Body() body: CreateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.create(id, p, body);
  }

  @Get()
  @OrgPermission('apps.read')
  @Auth('user', 'operator')
  list(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.apps.list(id, p);
  }

  @Post('imports')
  @OrgPermission('apps.import')
  @Auth('user')
  @ApiConsumes('application/zip')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: DEPLOYMENT_SETTINGS_HEADER, required: false, description: 'deployment settings (docs/deployment-settings.md), JSON or base64 of JSON' })
  @ApiOperation({
    summary:
      'Import an app package (ZIP): a new app (or, with mode=upgrade, the next version of the app with the same key), bound, configured and published in one call when settings are given',
  })
  import(@Param('id') id: string, @Query() query: ImportQueryDto, @Req() request: { body: unknown; headers: Record<string, unknown> }, @CurrentPrincipal() p: Principal) {
    // the body parser hands application/zip over as the request stream (spooled to disk by the import)
    if (!Buffer.isBuffer(request.body) && !(request.body instanceof Readable)) {
      throw new ProblemException(415, 'upload the package as the request body with content-type application/zip', { code: 'zip-required' });
    }
    const header = request.headers[DEPLOYMENT_SETTINGS_HEADER];
    return this.imports.import(id, p, request.body, {
      acknowledgeCrossRegion: query.acknowledgeCrossRegion === true,
      allowUnsigned: query.allowUnsigned === true,
      mode: query.mode,
      publish: query.publish === true,
      settings: typeof header === 'string' ? parseDeploymentSettings(header) : undefined,
    });
  }

  @Get(':appId')
  @OrgPermission('apps.read')
  @Auth('user', 'operator')
  get(@Param('id') id: string, @Param('appId') appId: string, @CurrentPrincipal() p: Principal) {
    return this.apps.get(id, appId, p);
  }

  @Patch(':appId')
  @OrgPermission('apps.edit')
  @Auth('user')
  @ApiOperation({ summary: 'Update the app: every update is a new version' })
  update(@Param('id') id: string, @Param('appId') appId: string, @Body() body: UpdateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.update(id, appId, p, body);
  }

  @Put(':appId/bindings/:slot')
  @OrgPermission('apps.edit')
  @Auth('user')
  bindOne(@Param('id') id: string, @Param('appId') appId: string, @Param('slot') slot: string, @Body() body: BindSlotDto, @CurrentPrincipal() p: Principal) {
    return this.apps.bind(id, appId, p, { [slot]: body.resourceId }, false);
  }

  @Put(':appId/bindings')
  @OrgPermission('apps.edit')
  @Auth('user')
  @ApiOperation({ summary: 'Bind several slots at once: a map, the binding plan\'s suggestions, or both (the map wins)' })
  bindMany(@Param('id') id: string, @Param('appId') appId: string, @Body() body: BulkBindDto, @CurrentPrincipal() p: Principal) {
    return this.apps.bind(id, appId, p, body.bindings, body.useSuggestions === true);
  }

  @Post(':appId/publish')
  @HttpCode(200)
  @OrgPermission('apps.publish')
  @Auth('user')
  @ApiOperation({ summary: 'Publish the current version, or the version given in the body' })
  publish(@Param('id') id: string, @Param('appId') appId: string, @Body() body: PublishDto, @CurrentPrincipal() p: Principal) {
    return this.apps.publish(id, appId, p, body?.version);
  }

  @Get(':appId/versions')
  @OrgPermission('apps.read')
  @Auth('user', 'operator')
  @ApiOperation({ summary: 'Every version of the app: who, when, and from which package (checksum and origin)' })
  versions(@Param('id') id: string, @Param('appId') appId: string, @CurrentPrincipal() p: Principal) {
    return this.imports.versions(id, appId, p);
  }

  @Post(':appId/rollback')
  @HttpCode(200)
  @OrgPermission('apps.edit')
  @Auth('user')
  @ApiOperation({ summary: 'Roll back: an earlier version\'s content becomes a new version' })
  rollBack(@Param('id') id: string, @Param('appId') appId: string, @Body() body: RollBackDto, @CurrentPrincipal() p: Principal) {
    return this.imports.rollBack(id, appId, p, body.version);
  }

  @Post(':appId/exports')
  @OrgPermission('apps.export')
  @Auth('user')
  @ApiOperation({ summary: 'Export the app as a ZIP package (no resource ids, bindings or secrets)' })
  export(@Param('id') id: string, @Param('appId') appId: string, @CurrentPrincipal() p: Principal) {
    return this.apps.export(id, appId, p);
  }

  @Get(':appId/exports/:exportId/download')
  @OrgPermission('apps.export')
  @Auth('user', 'operator')
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
