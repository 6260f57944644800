import { Module } from '@nestjs/common';
import { AUTH_CONFIG, authConfig, AuthGuard, ORGANIZATION_ACCESS, OrganizationAccess, OrgPermissionGuard, regionalVerifier } from '@lib/auth';
import { ORGANIZATION_EVENTS_TOPIC } from '@lib/contracts';
import { consumer, EventSourcedServiceModule, OPERATOR_TOKEN, SERVICE_CONFIG, ServiceDependencies } from '@lib/service-kit';
import { PackagingConfig } from './config';
import { AppsService } from './apps/apps.service';
import { AppsController } from './apps/apps.controller';
import { AppRepository } from './apps/app.repository';
import { appsProjection, AppsReadModel } from './apps/projections';
import { toIntegrationMessage } from './apps/app.integration';
import { ResourceReleaseService } from './apps/resource-release.service';
import { OrgDirectoryRepository } from './directory/org-directory.repository';
import { OrganizationEventsConsumer, parseOrganizationMessage } from './directory/organization.consumer';
import { packageStorageProvider, PackageStorageLifecycle } from './packages/package-storage';
import { packageKeysProvider } from './packages/package-keys';
import { PackageKeysController } from './packages/package-keys.controller';
import { AppImportService } from './apps/app-import.service';
import { AppKeyRepository } from './apps/app-key';

/** apps, their bindings to organization resources, package export and import */
@Module({})
export class AppPackagingModule {
  static register(deps: ServiceDependencies<PackagingConfig>) {
    return EventSourcedServiceModule.forRoot(
      {
        module: AppPackagingModule,
        name: 'app-packaging',
        controllers: [AppsController, PackageKeysController],
        projections: [appsProjection],
        integration: toIntegrationMessage,
        consumers: [consumer({ topic: ORGANIZATION_EVENTS_TOPIC, parse: parseOrganizationMessage, handler: OrganizationEventsConsumer })],
        providers: [
          {
            provide: AUTH_CONFIG,
            inject: [SERVICE_CONFIG, OPERATOR_TOKEN],
            useFactory: (config: PackagingConfig, token: string) => authConfig(config, token, regionalVerifier({ jwksUrl: config.JWKS_URL }, config)),
          },
          packageStorageProvider,
          PackageStorageLifecycle,
          AuthGuard,
          OrgPermissionGuard,
          {
            // @OrgPermission decides from app-packaging's own copy of the organization (its directory)
            provide: ORGANIZATION_ACCESS,
            inject: [AppsService],
            useFactory: (apps: AppsService): OrganizationAccess => ({ authorize: (id, principal, permission) => apps.authorize(id, principal, permission, false) }),
          },
          AppRepository,
          AppKeyRepository,
          OrgDirectoryRepository,
          packageKeysProvider,
          AppsReadModel,
          AppsService,
          AppImportService,
          ResourceReleaseService,
          OrganizationEventsConsumer,
        ],
      },
      deps,
    );
  }
}
