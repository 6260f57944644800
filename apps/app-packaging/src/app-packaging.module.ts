import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AUTH_CONFIG, authConfig, AuthGuard, TokenVerifier } from '@lib/auth';
import { ReadinessRegistry, registerServiceReadiness } from '@lib/platform';
import { PACKAGING_RUNTIME, PackagingRuntime } from './app-packaging.runtime';
import { AppsService } from './apps/apps.service';
import { AppsController } from './apps/apps.controller';
import { AppImportService } from './apps/app-import.service';
import { PackageKeysController } from './packages/package-keys.controller';

class PackagingLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(PACKAGING_RUNTIME) private readonly runtime: PackagingRuntime,
    private readonly readiness: ReadinessRegistry,
  ) {}

  async onModuleInit() {
    await this.runtime.start();
  }

  onApplicationBootstrap() {
    this.runtime.startRelay();
    registerServiceReadiness(this.readiness, 'app-packaging', { store: this.runtime.store, bus: this.runtime.bus, relay: this.runtime.relay, projections: this.runtime.projections, storage: this.runtime.storage });
  }

  async onApplicationShutdown() {
    await this.runtime.stop();
  }
}

@Module({})
export class AppPackagingModule {
  static register(runtime: PackagingRuntime): DynamicModule {
    const auth = authConfig(runtime.config, runtime.operatorToken, new TokenVerifier({ jwksUrl: runtime.config.JWKS_URL }));
    return {
      module: AppPackagingModule,
      controllers: [AppsController, PackageKeysController],
      providers: [
        { provide: PACKAGING_RUNTIME, useValue: runtime },
        { provide: AUTH_CONFIG, useValue: auth },
        AuthGuard,
        AppsService,
        AppImportService,
        PackagingLifecycle,
      ],
    };
  }
}
