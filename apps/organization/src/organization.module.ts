import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AUTH_CONFIG, AuthConfig, authConfig, AuthGuard, TokenVerifier } from '@lib/auth';
import { ReadinessRegistry, registerServiceReadiness, registerOpenApiPaths } from '@lib/platform';
import { HttpAdapterHost } from '@nestjs/core';
import { authzCheckOpenApi, registerAuthzCheckRoute } from './authz/authz.route';
import { ORGANIZATION_RUNTIME, OrganizationRuntime } from './organization.runtime';
import { OrganizationsService } from './organizations/organizations.service';
import { InvitationsController, OrganizationsController } from './organizations/organizations.controller';
import { AuthzController } from './authz/authz.controller';
import { ResourcesController } from './resources/resources.controller';
import { AuditController } from './audit/audit.controller';

registerOpenApiPaths(authzCheckOpenApi);

class OrganizationLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(ORGANIZATION_RUNTIME) private readonly runtime: OrganizationRuntime,
    private readonly readiness: ReadinessRegistry,
    private readonly adapterHost: HttpAdapterHost,
    private readonly organizations: OrganizationsService,
    @Inject(AUTH_CONFIG) private readonly auth: AuthConfig,
  ) {}

  /** consumers subscribe first (every module), then relays publish (onApplicationBootstrap) */
  async onModuleInit() {
    registerAuthzCheckRoute(this.adapterHost.httpAdapter.getInstance(), this.organizations, this.auth);
    await this.runtime.start();
  }

  async onApplicationBootstrap() {
    this.runtime.startRelay();
    registerServiceReadiness(this.readiness, 'organization', { store: this.runtime.store, bus: this.runtime.bus, relay: this.runtime.relay, projections: this.runtime.projections });
  }

  async onApplicationShutdown() {
    await this.runtime.stop();
  }
}

/** wiring only: the runtime is built by the caller (standalone or the service's own main) */
@Module({})
export class OrganizationModule {
  static register(runtime: OrganizationRuntime): DynamicModule {
    const auth = authConfig(runtime.config, runtime.operatorToken, new TokenVerifier({ jwksUrl: runtime.config.JWKS_URL }));
    return {
      module: OrganizationModule,
      controllers: [OrganizationsController, InvitationsController, AuthzController, ResourcesController, AuditController],
      providers: [
        { provide: ORGANIZATION_RUNTIME, useValue: runtime },
        { provide: AUTH_CONFIG, useValue: auth },
        AuthGuard,
        OrganizationsService,
        OrganizationLifecycle,
      ],
    };
  }
}
