import { Inject, Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DomainError } from '@lib/eventstore';
import { Principal } from '@lib/auth';
import { ProblemException, sortableId } from '@lib/platform';
import { EventStore, ProjectionRunner } from '@lib/eventstore';
import { EVENT_STORE, PROJECTIONS, SERVICE_CONFIG } from '@lib/service-kit';
import { PackagingConfig } from '../config';
import { PACKAGE_KEYS, PackageKeys } from '../packages/package-keys';
import { DEFAULT_PACKAGE_LIMITS, PackageRejectedError, readPackage, ReadPackage } from '../packages/package-format';
import { verifyPackageSignature } from '../packages/package-signing';
import { spoolUpload, SpooledUpload } from '../packages/package-upload';
import { AppCommand, ImportSettings } from './app.decider';
import { AppKeyRepository, appKeyId, createWithKey } from './app-key';
import { AppRepository } from './app.repository';
import { ImportOrigin } from './app.events';
import { AppsService } from './apps.service';
import { proposePlan } from './binding-plan';
import { DeploymentSettings, resolveSettingsBindings } from './deployment-settings';
import { AppsReadModel } from './projections';

export interface ImportOptions {
  acknowledgeCrossRegion: boolean;
  allowUnsigned: boolean;
  /** `upgrade`: the package is a new version of the app of the same key in this organization */
  mode?: 'upgrade';
  settings?: DeploymentSettings;
  publish: boolean;
}

/**
 * Import of a package: as a new app, or (mode=upgrade) as a new version of the app with the same app key.
 * Order of checks: the package (hostile-input rules), its signature, the app's content by the API's own rules,
 * the region, the app key, the deployment settings, then one append that creates (or upgrades), binds,
 * applies the settings and publishes; any refusal creates nothing.
 */
@Injectable()
export class AppImportService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PackagingConfig,
    @Inject(PACKAGE_KEYS) private readonly packageKeys: PackageKeys,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly appsReadModel: AppsReadModel,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner,
    private readonly apps: AppsService,
    private readonly appKeys: AppKeyRepository,
    private readonly appRepository: AppRepository,
  ) {}

  /**
   * The upload is spooled to a private temp file (counted and hashed on the way) and read from there by random
   * access, entry by entry; assets are verified and dropped (an app keeps its definition only). Memory stays
   * at the manifest, the definition and one entry's buffers, whatever the package's size.
   */
  private async read(body: Readable | Buffer): Promise<{ pkg: ReadPackage; sha256: string }> {
    let upload: SpooledUpload | undefined;
    try {
      upload = await spoolUpload(body, this.config.PACKAGE_MAX_BYTES, join(this.config.DATA_DIR, 'app-packaging', 'uploads'));
      const pkg = await readPackage({ path: upload.path }, { ...DEFAULT_PACKAGE_LIMITS, maxBytes: this.config.PACKAGE_MAX_BYTES }, { assets: 'verify' });
      return { pkg, sha256: upload.sha256 };
    } catch (error) {
      if (error instanceof PackageRejectedError) {
        throw new ProblemException(error.status, error.message, { code: error.code, ...(error.issues ? { issues: error.issues } : {}) });
      }
      throw error;
    } finally {
      await upload?.dispose();
    }
  }

  /** the origin from the verified signature; an unverified one only with allowUnsigned, and marked so */
  private origin(pkg: ReadPackage, packageSha256: string, allowUnsigned: boolean): { origin: Omit<ImportOrigin, 'crossRegion'>; appKey: string } {
    const check = verifyPackageSignature(pkg.signature, pkg.manifestBytes, this.packageKeys.trusted);
    const { manifest } = pkg;
    const common = {
      sourceAppName: manifest.app.name,
      sourceVersion: manifest.app.version,
      exportedAt: manifest.exportedAt,
      exportedBy: manifest.exportedBy,
      packageSha256,
    };
    if (check.verified) {
      const { source, appKey } = check.payload;
      return {
        appKey,
        origin: {
          ...common,
          sourceOrganizationId: source.organizationId,
          sourceOrganizationName: source.organizationName,
          sourceRegion: source.region,
          verified: true,
          signerKeyId: check.kid,
        },
      };
    }
    const excusable = check.reason === 'unsigned' || check.reason === 'unknown-signer';
    if (!excusable || !allowUnsigned) {
      throw new DomainError(
        'unprocessable',
        excusable
          ? `the package's origin cannot be verified (${check.detail}); import it with allowUnsigned=true to accept it as of unverified origin`
          : `the package's signature is invalid (${check.detail}); it was changed after export or forged, and is refused`,
        excusable ? 'origin-unverified' : 'signature-invalid',
        { reason: check.reason },
      );
    }
    return {
      appKey: manifest.app.key ?? `key-${sortableId()}`,
      origin: {
        ...common,
        sourceOrganizationId: manifest.source.organizationId,
        sourceOrganizationName: manifest.source.organizationName,
        sourceRegion: manifest.source.region,
        verified: false,
        signerKeyId: null,
      },
    };
  }

  /** `body`: the upload as it arrives (the request stream), or a Buffer */
  async import(organizationId: string, principal: Principal, body: Readable | Buffer, options: ImportOptions) {
    const directory = await this.apps.authorize(organizationId, principal, 'apps.import', true);
    const { pkg, sha256 } = await this.read(body);
    const { manifest } = pkg;
    const { origin: signed, appKey } = this.origin(pkg, sha256, options.allowUnsigned);
    const requirements = manifest.requirements.map(({ slot, kind }) => ({ slot, kind }));
    this.apps.checkAppInput({ name: manifest.app.name, definition: pkg.definition, requirements });

    const region = this.config.REGION;
    const crossRegion = signed.sourceRegion !== region;
    if (crossRegion && !options.acknowledgeCrossRegion) {
      throw new DomainError(
        'unprocessable',
        `the package was exported in region ${signed.sourceRegion}; this stack serves ${region}. Import it with acknowledgeCrossRegion=true to proceed`,
        'cross-region-not-acknowledged',
        { sourceRegion: signed.sourceRegion },
      );
    }
    const origin: ImportOrigin = { ...signed, crossRegion };

    await this.projections.waitFor(await this.store.headPosition(), 10_000);
    // the key's own stream is authoritative; apps imported before keys were reserved are found in the read model
    const existing = (await this.appKeys.load(appKeyId(organizationId, appKey))).state.appId ?? this.appsReadModel.appWithKey(organizationId, appKey);
    if (existing && options.mode !== 'upgrade') throw await this.upgradePossible(organizationId, existing);
    if (!existing && options.mode === 'upgrade') {
      throw new DomainError('not_found', 'this organization has no app with the package\'s app key to upgrade; import without mode', 'nothing-to-upgrade');
    }

    const plan = proposePlan(
      manifest.requirements.map((r) => ({ slot: r.slot, kind: r.kind, hint: r.hint ?? null })),
      directory.resources.values(),
    );
    let apply: ImportSettings | undefined;
    if (options.settings || options.publish) {
      const resolved = resolveSettingsBindings(options.settings ?? {}, requirements, directory.resources);
      apply = { ...resolved, publish: options.publish, resources: directory.resources };
    }

    if (existing) {
      const before = await this.apps.app(organizationId, existing);
      const state = await this.apps.handle(
        existing,
        { type: 'UpgradeApp', appKey, name: manifest.app.name, definition: pkg.definition, requirements, origin, plan, apply },
        principal,
        organizationId,
      );
      const kept = new Set(requirements.map((r) => r.slot));
      return {
        ...this.apps.view(state, directory),
        upgrade: {
          fromVersion: before.version,
          addedSlots: requirements.filter((r) => !before.requirements.some((b) => b.slot === r.slot)).map((r) => r.slot),
          removedSlots: before.requirements.filter((r) => !kept.has(r.slot)).map((r) => r.slot),
          unboundSlots: requirements.filter((r) => !state.bindings.has(r.slot)).map((r) => r.slot),
        },
      };
    }
    const appId = `app-${sortableId()}`;
    const command: AppCommand = { type: 'ImportApp', appId, appKey, organizationId, name: manifest.app.name, definition: pkg.definition, requirements, plan, origin, apply };
    const metadata = { at: new Date().toISOString(), actor: principal.kind === 'user' ? principal.userId : principal.kind, organizationId };
    const holder = await createWithKey(this.store, this.appKeys, { organizationId, appKey }, this.appRepository, appId, command, metadata);
    if (holder !== appId) throw await this.upgradePossible(organizationId, holder);
    await this.projections.waitFor(await this.store.headPosition(), 10_000);
    return this.apps.view(await this.apps.app(organizationId, appId), directory);
  }

  private async upgradePossible(organizationId: string, appId: string) {
    const current = await this.apps.app(organizationId, appId);
    return new DomainError(
      'conflict',
      `this organization already has this app (${appId}, version ${current.version}); import with mode=upgrade to make the package its next version`,
      'upgrade-possible',
      { appId, currentVersion: current.version },
    );
  }

  /** every version: who made it, when, and from which package (checksum and origin) */
  async versions(organizationId: string, appId: string, principal: Principal) {
    await this.apps.authorize(organizationId, principal, 'apps.read', false);
    const app = await this.apps.app(organizationId, appId);
    await this.projections.waitFor(await this.store.headPosition(), 10_000);
    const items = this.appsReadModel.versions(appId).map((row) => {
      const origin = row.origin as Partial<ImportOrigin> | null;
      return {
        version: row.version,
        change: row.change,
        at: row.at,
        by: row.actor,
        current: row.version === app.version,
        published: row.version === app.publishedVersion,
        ...(row.restoredVersion !== null ? { restoredVersion: row.restoredVersion } : {}),
        ...(origin
          ? {
              package: {
                sha256: origin.packageSha256,
                origin: {
                  organizationId: origin.sourceOrganizationId,
                  organizationName: origin.sourceOrganizationName,
                  region: origin.sourceRegion,
                  version: origin.sourceVersion,
                  verified: origin.verified ?? false,
                  ...(origin.verified ? { signerKeyId: origin.signerKeyId } : { note: 'unverified origin' }),
                },
              },
            }
          : {}),
      };
    });
    return { appId, appKey: app.appKey, currentVersion: app.version, publishedVersion: app.publishedVersion, items };
  }

  /** restores an earlier version's content as a new version; bindings of slots it does not have are released */
  async rollBack(organizationId: string, appId: string, principal: Principal, toVersion: number) {
    const directory = await this.apps.authorize(organizationId, principal, 'apps.edit', true);
    await this.apps.app(organizationId, appId);
    return this.apps.view(await this.apps.handle(appId, { type: 'RollBackApp', toVersion }, principal, organizationId), directory);
  }
}
