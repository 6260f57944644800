import { Inject, Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DomainError, EventMetadata, ProjectionRunner } from '@lib/eventstore';
import { assertRoleGrants, Permission, Principal } from '@lib/auth';
import { assertServedHere, assertTokenScoped, ProblemException, sortableId } from '@lib/platform';
import { ObjectStorage } from '@lib/object-storage';
import { PROJECTIONS, SERVICE_CONFIG } from '@lib/service-kit';
import { PackagingConfig } from '../config';
import { PACKAGE_STORAGE } from '../packages/package-storage';
import { PACKAGE_KEYS, PackageKeys } from '../packages/package-keys';
import { OrgDirectoryRepository } from '../directory/org-directory.repository';
import { AppsReadModel } from './projections';
import { AppRepository } from './app.repository';
import { AppCommand, AppState, appStatus, unmetRequirements } from './app.decider';
import { Requirement } from './app.events';
import { currentPlan, suggestedBindings } from './binding-plan';
import { appInputProblems } from './app-rules';
import { buildPackageStream } from '../packages/package-format';
import { OrgDirectoryState } from '../directory/org-directory.decider';

@Injectable()
export class AppsService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PackagingConfig,
    private readonly apps: AppRepository,
    private readonly directory: OrgDirectoryRepository,
    @Inject(PACKAGE_STORAGE) private readonly storage: ObjectStorage,
    @Inject(PACKAGE_KEYS) private readonly packageKeys: PackageKeys,
    private readonly appsReadModel: AppsReadModel,
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

  async handle(appId: string, command: AppCommand, principal: Principal, organizationId: string) {
    const result = await this.apps.handle(appId, command, this.metadata(principal, organizationId));
    if (result.position > 0) await this.projections.waitFor(result.position);
    return result.state;
  }

  /**
   * The app as people see it. The binding plan is computed now, against the organization's current resources
   * (a resource created, renamed, disabled or deleted since the import changes it); the plan made at import is
   * kept as `importPlan`, history only. `slots` says per slot what it is bound to, or its candidates, and
   * what is missing.
   */
  view(state: AppState, directory: OrgDirectoryState, withDefinition = false) {
    const bindingPlan = currentPlan(state, directory.resources);
    const unmet = new Map(unmetRequirements(state, directory.resources).map((u) => [u.slot, u.problem]));
    const slots = state.requirements.map(({ slot, kind }) => {
      const resource = directory.resources.get(state.bindings.get(slot) ?? '');
      const candidates = bindingPlan.find((p) => p.slot === slot)?.candidates ?? [];
      const problem = unmet.get(slot) ?? null;
      return {
        slot,
        kind,
        bound: state.bindings.has(slot) ? { resourceId: state.bindings.get(slot)!, name: resource?.name ?? null, status: resource?.status ?? 'deleted' } : null,
        candidates: problem ? candidates : [],
        missing: problem === null ? null : problem === 'unbound' && candidates.length === 0 ? `no ${kind} in this organization: create one, then bind it` : problem,
      };
    });
    return {
      id: state.appId,
      appKey: state.appKey,
      organizationId: state.organizationId,
      name: state.name,
      version: state.version,
      status: appStatus(state),
      publishedVersion: state.publishedVersion,
      requirements: state.requirements,
      bindings: Object.fromEntries(state.bindings),
      slots,
      bindingPlan,
      importPlan: state.plan,
      settings: state.settings,
      origin: state.origin,
      ...(withDefinition ? { definition: state.definition } : {}),
    };
  }

  /** 413 for a definition over the size limit, 422 listing every rule the input breaks (the same rules as an import's) */
  checkAppInput(input: { name?: unknown; definition?: unknown; requirements?: unknown }) {
    const max = this.config.APP_DEFINITION_MAX_BYTES;
    const problems = appInputProblems(input, { maxDefinitionBytes: max });
    if (problems.some((p) => p.field === 'definition' && p.message.startsWith('larger than'))) {
      throw new ProblemException(413, `the definition is larger than ${max} bytes`, { code: 'definition-too-large' });
    }
    if (problems.length > 0) {
      throw new DomainError('unprocessable', `the app is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, 'app-invalid', { errors: problems });
    }
  }

  async create(organizationId: string, principal: Principal, body: { name: string; definition: unknown; requirements: Requirement[] }) {
    const directory = await this.authorize(organizationId, principal, 'apps.edit', true);
    this.checkAppInput(body);
    const appId = `app-${sortableId()}`;
    const requirements = body.requirements.map(({ slot, kind }) => ({ slot, kind }));
    return this.view(
      await this.handle(appId, { type: 'CreateApp', appId, organizationId, name: body.name, definition: body.definition, requirements }, principal, organizationId),
      directory,
    );
  }

  async list(organizationId: string, principal: Principal) {
    const directory = await this.authorize(organizationId, principal, 'apps.read', false);
    const items = [];
    for (const id of this.appsReadModel.appsOf(organizationId, 500)) items.push(this.view((await this.apps.load(id)).state, directory));
    return { items };
  }

  async get(organizationId: string, appId: string, principal: Principal) {
    const directory = await this.authorize(organizationId, principal, 'apps.read', false);
    return this.view(await this.app(organizationId, appId), directory, true);
  }

  async update(organizationId: string, appId: string, principal: Principal, body: { name?: string; definition?: unknown; requirements?: Requirement[] }) {
    const directory = await this.authorize(organizationId, principal, 'apps.edit', true);
    await this.app(organizationId, appId);
    this.checkAppInput(body);
    const requirements = body.requirements?.map(({ slot, kind }) => ({ slot, kind }));
    return this.view(await this.handle(appId, { type: 'UpdateApp', name: body.name, definition: body.definition, requirements }, principal, organizationId), directory);
  }

  async bind(organizationId: string, appId: string, principal: Principal, bindings: Record<string, string> | undefined, useSuggestions: boolean) {
    const directory = await this.authorize(organizationId, principal, 'apps.edit', true);
    const app = await this.app(organizationId, appId);
    for (const [slot, resourceId] of Object.entries(bindings ?? {})) {
      if (typeof resourceId !== 'string' || resourceId.length === 0 || resourceId.length > 100) {
        throw new DomainError('invalid', `the binding of slot "${slot}" must be a resource id`, 'invalid-binding');
      }
    }
    let requested = { ...(bindings ?? {}) };
    if (useSuggestions) {
      // suggestions from the organization's resources now, for the slots not validly bound and not given
      const unmet = unmetRequirements(app, directory.resources).filter((u) => !(u.slot in requested));
      const suggested = suggestedBindings(currentPlan(app, directory.resources), directory.resources);
      const without = unmet.filter((u) => !suggested[u.slot]).map(({ slot, kind }) => ({ slot, kind }));
      if (without.length > 0) {
        throw new DomainError(
          'unprocessable',
          `nothing to suggest for ${without.map((s) => `slot "${s.slot}" (needs a ${s.kind})`).join(', ')}: create such a resource in the organization first`,
          'no-suggestion',
          { slots: without },
        );
      }
      requested = { ...Object.fromEntries(unmet.map((u) => [u.slot, suggested[u.slot]])), ...requested };
      if (Object.keys(requested).length === 0) return this.view(app, directory);
    }
    return this.view(await this.handle(appId, { type: 'BindSlots', bindings: requested, resources: directory.resources }, principal, organizationId), directory);
  }

  /** publishes the current version, or the chosen one (its slots must be validly bound) */
  async publish(organizationId: string, appId: string, principal: Principal, version?: number) {
    const directory = await this.authorize(organizationId, principal, 'apps.publish', true);
    await this.app(organizationId, appId);
    return this.view(await this.handle(appId, { type: 'PublishApp', resources: directory.resources, version }, principal, organizationId), directory);
  }

  async export(organizationId: string, appId: string, principal: Principal) {
    const directory = await this.authorize(organizationId, principal, 'apps.export', true);
    const app = await this.app(organizationId, appId);
    const exportedBy = principal.kind === 'user' ? principal.userId : principal.kind;
    const zip = buildPackageStream({
      manifest: {
        app: { name: app.name, version: app.version, key: app.appKey },
        exportedAt: new Date().toISOString(),
        exportedBy,
        source: { organizationId, organizationName: directory.name, region: this.region },
        requirements: app.requirements.map(({ slot, kind }) => {
          const bound = directory.resources.get(app.bindings.get(slot) ?? '');
          return { slot, kind, ...(bound ? { hint: { name: bound.name, kind: bound.kind } } : {}) };
        }),
      },
      definition: app.definition,
      sign: (manifest) =>
        this.packageKeys.signer.sign(manifest, { appKey: app.appKey, source: { organizationId, organizationName: directory.name, region: this.region } }),
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

  /** what stands between the app and publishing, for people */
  unmet(state: AppState, directory: OrgDirectoryState) {
    return unmetRequirements(state, directory.resources);
  }
}
