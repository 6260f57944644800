import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DomainError, EventMetadata, ProjectionRunner, ReadModelDatabase } from '@lib/eventstore';
import { ObjectStorage } from '@lib/object-storage';
import { PROJECTIONS, READ_MODELS, SERVICE_CONFIG } from '@lib/service-kit';
import { assertRoleGrants, Permission, Principal } from '@lib/auth';
import { RESOURCE_KINDS } from '@lib/contracts';
import { assertServedHere, assertTokenScoped, ProblemException, sortableId } from '@lib/platform';
import { PackagingConfig } from '../config';
import { PACKAGE_STORAGE } from '../packages/package-storage';
import { OrgDirectoryRepository } from '../directory/org-directory.repository';
import { AppRepository } from './app.repository';
import { AppCommand, AppState, appStatus, unmetRequirements } from './app.decider';
import { Requirement } from './app.events';
import { proposePlan, suggestedBindings } from './binding-plan';
import { buildPackageStream, DEFAULT_PACKAGE_LIMITS, PackageRejectedError, readPackage } from '../packages/package-format';
import { OrgDirectoryState } from '../directory/org-directory.decider';

@Injectable()
export class AppsService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PackagingConfig,
    private readonly apps: AppRepository,
    private readonly directory: OrgDirectoryRepository,
    @Inject(PACKAGE_STORAGE) private readonly storage: ObjectStorage,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner,
  ) {}

  private get region() {
    return this.config.REGION;
  }

  /** the organization as app-packaging knows it, after checking the caller's current role */
  async authorize(organizationId: string, principal: Principal, permission: Permission, change: boolean): Promise<OrgDirectoryState> {
    assertServedHere(organizationId, this.region);
    assertTokenScoped(principal, organizationId);
    const { state } = await this.directory.load(organizationId);
    if (!state.known) throw new DomainError('not_found', 'organization not found', 'organization-not-found');
    if (principal.kind === 'user') assertRoleGrants(state.members.get(principal.userId), permission);
    else if (change) {
      throw new DomainError('forbidden', 'apps are changed by the organization\'s members', 'members-only');
    }
    if (change && state.status === 'suspended') {
      throw new DomainError('conflict', 'the organization is suspended; no change is accepted until it is reactivated', 'organization-suspended');
    }
    return state;
  }

  async app(organizationId: string, appId: string): Promise<AppState> {
    const { state } = await this.apps.load(appId);
    if (!state.exists || state.organizationId !== organizationId) throw new DomainError('not_found', 'app not found', 'app-not-found');
    return state;
  }

  private metadata(principal: Principal, organizationId: string): EventMetadata & { at: string } {
    return { at: new Date().toISOString(), actor: principal.kind === 'user' ? principal.userId : principal.kind, organizationId };
  }

  private async handle(appId: string, command: AppCommand, principal: Principal, organizationId: string) {
    const result = await this.apps.handle(appId, command, this.metadata(principal, organizationId));
    if (result.position > 0) await this.projections.waitFor(result.position);
    return result.state;
  }

  view(state: AppState, withDefinition = false) {
    return {
      id: state.appId,
      organizationId: state.organizationId,
      name: state.name,
      version: state.version,
      status: appStatus(state),
      publishedVersion: state.publishedVersion,
      requirements: state.requirements,
      bindings: Object.fromEntries(state.bindings),
      bindingPlan: state.plan,
      origin: state.origin,
      ...(withDefinition ? { definition: state.definition } : {}),
    };
  }

  private checkDefinition(definition: unknown) {
    if (definition !== undefined && JSON.stringify(definition).length > this.config.APP_DEFINITION_MAX_BYTES) {
      throw new ProblemException(413, `the definition is larger than ${this.config.APP_DEFINITION_MAX_BYTES} bytes`, { code: 'definition-too-large' });
    }
  }

  async create(organizationId: string, principal: Principal, body: { name: string; definition: unknown; requirements: Requirement[] }) {
    await this.authorize(organizationId, principal, 'apps.edit', true);
    this.checkDefinition(body.definition);
    const appId = `app-${sortableId()}`;
    const requirements = body.requirements.map(({ slot, kind }) => ({ slot, kind }));
    return this.view(await this.handle(appId, { type: 'CreateApp', appId, organizationId, name: body.name, definition: body.definition, requirements }, principal, organizationId));
  }

  async list(organizationId: string, principal: Principal) {
    await this.authorize(organizationId, principal, 'apps.read', false);
    const ids = this.readModels.db.prepare('SELECT app_id AS id FROM pkg_apps WHERE org_id = ? ORDER BY app_id LIMIT 500').all(organizationId) as { id: string }[];
    const items = [];
    for (const { id } of ids) items.push(this.view((await this.apps.load(id)).state));
    return { items };
  }

  async get(organizationId: string, appId: string, principal: Principal) {
    await this.authorize(organizationId, principal, 'apps.read', false);
    return this.view(await this.app(organizationId, appId), true);
  }

  async update(organizationId: string, appId: string, principal: Principal, body: { name?: string; definition?: unknown; requirements?: Requirement[] }) {
    await this.authorize(organizationId, principal, 'apps.edit', true);
    await this.app(organizationId, appId);
    this.checkDefinition(body.definition);
    const requirements = body.requirements?.map(({ slot, kind }) => ({ slot, kind }));
    return this.view(await this.handle(appId, { type: 'UpdateApp', name: body.name, definition: body.definition, requirements }, principal, organizationId));
  }

  async bind(organizationId: string, appId: string, principal: Principal, bindings: Record<string, string> | undefined, useSuggestions: boolean) {
    const directory = await this.authorize(organizationId, principal, 'apps.edit', true);
    const app = await this.app(organizationId, appId);
    const requested = { ...(useSuggestions ? suggestedBindings(app.plan, directory.resources) : {}), ...(bindings ?? {}) };
    for (const [slot, resourceId] of Object.entries(requested)) {
      if (typeof resourceId !== 'string' || resourceId.length === 0 || resourceId.length > 100) {
        throw new DomainError('invalid', `the binding of slot "${slot}" must be a resource id`, 'invalid-binding');
      }
    }
    return this.view(await this.handle(appId, { type: 'BindSlots', bindings: requested, resources: directory.resources }, principal, organizationId));
  }

  async publish(organizationId: string, appId: string, principal: Principal) {
    const directory = await this.authorize(organizationId, principal, 'apps.publish', true);
    await this.app(organizationId, appId);
    return this.view(await this.handle(appId, { type: 'PublishApp', resources: directory.resources }, principal, organizationId));
  }

  async export(organizationId: string, appId: string, principal: Principal) {
    const directory = await this.authorize(organizationId, principal, 'apps.export', true);
    const app = await this.app(organizationId, appId);
    const exportedBy = principal.kind === 'user' ? principal.userId : principal.kind;
    const zip = buildPackageStream({
      manifest: {
        app: { name: app.name, version: app.version },
        exportedAt: new Date().toISOString(),
        exportedBy,
        source: { organizationId, organizationName: directory.name, region: this.region },
        requirements: app.requirements.map(({ slot, kind }) => {
          const bound = directory.resources.get(app.bindings.get(slot) ?? '');
          return { slot, kind, ...(bound ? { hint: { name: bound.name, kind: bound.kind } } : {}) };
        }),
      },
      definition: app.definition,
    });
    const exportId = `exp-${sortableId()}`;
    const objectKey = `exports/${organizationId}/${exportId}.zip`;
    const stored = await this.storage.put(objectKey, zip, { contentType: 'application/zip' });
    const fileName = `${app.name.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'app'}-v${app.version}.zip`;
    await this.handle(appId, { type: 'RecordExport', exportId, objectKey, size: stored.size, sha256: stored.sha256, fileName }, principal, organizationId);
    return {
      exportId,
      appId,
      version: app.version,
      size: stored.size,
      sha256: stored.sha256,
      download: `/v1/organizations/${organizationId}/apps/${appId}/exports/${exportId}/download`,
    };
  }

  async download(organizationId: string, appId: string, exportId: string, principal: Principal): Promise<{ stream: Readable; size: number; fileName: string }> {
    await this.authorize(organizationId, principal, 'apps.export', false);
    const app = await this.app(organizationId, appId);
    const record = app.exports.get(exportId);
    if (!record) throw new DomainError('not_found', 'export not found', 'export-not-found');
    return { stream: await this.storage.get(record.objectKey), size: record.size, fileName: record.fileName };
  }

  async import(organizationId: string, principal: Principal, zip: Buffer, acknowledgeCrossRegion: boolean) {
    const directory = await this.authorize(organizationId, principal, 'apps.import', true);
    let pkg;
    try {
      pkg = await readPackage(zip, { ...DEFAULT_PACKAGE_LIMITS, maxBytes: this.config.PACKAGE_MAX_BYTES });
    } catch (error) {
      if (error instanceof PackageRejectedError) throw new ProblemException(error.status, error.message, { code: error.code });
      throw error;
    }
    const { manifest } = pkg;
    const unknownKinds = manifest.requirements.filter((r) => !(RESOURCE_KINDS as readonly string[]).includes(r.kind));
    if (unknownKinds.length > 0) {
      throw new DomainError('unprocessable', `the package needs resource kinds this platform does not have: ${unknownKinds.map((r) => r.kind).join(', ')}`, 'unknown-resource-kind');
    }
    const crossRegion = manifest.source.region !== this.region;
    if (crossRegion && !acknowledgeCrossRegion) {
      throw new DomainError(
        'unprocessable',
        `the package was exported in region ${manifest.source.region}; this stack serves ${this.region}. Import it with acknowledgeCrossRegion=true to proceed`,
        'cross-region-not-acknowledged',
        { sourceRegion: manifest.source.region },
      );
    }
    this.checkDefinition(pkg.definition);
    const appId = `app-${sortableId()}`;
    const requirements = manifest.requirements.map(({ slot, kind }) => ({ slot, kind }));
    const plan = proposePlan(
      manifest.requirements.map((r) => ({ slot: r.slot, kind: r.kind, hint: r.hint ?? null })),
      directory.resources.values(),
    );
    const state = await this.handle(
      appId,
      {
        type: 'ImportApp',
        appId,
        organizationId,
        name: manifest.app.name,
        definition: pkg.definition,
        requirements,
        plan,
        origin: {
          sourceOrganizationId: manifest.source.organizationId,
          sourceOrganizationName: manifest.source.organizationName,
          sourceRegion: manifest.source.region,
          sourceAppName: manifest.app.name,
          sourceVersion: manifest.app.version,
          exportedAt: manifest.exportedAt,
          exportedBy: manifest.exportedBy,
          packageSha256: createHash('sha256').update(zip).digest('hex'),
          crossRegion,
        },
      },
      principal,
      organizationId,
    );
    return this.view(state);
  }

  /** what stands between the app and publishing, for people */
  unmet(state: AppState, directory: OrgDirectoryState) {
    return unmetRequirements(state, directory.resources);
  }
}
