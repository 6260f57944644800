import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AUTH_CONFIG, AuthConfig, AuthGuard, TokenVerifier } from '@lib/auth';
import { ReadinessRegistry } from '@lib/platform';
import { PACKAGING_RUNTIME, PackagingRuntime } from './app-packaging.runtime';
import { AppsService } from './apps/apps.service';
import { AppsController } from './apps/apps.controller';

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
    this.readiness.register('app-packaging.store', async () => {
      await this.runtime.store.ping();
    });
    this.readiness.register('app-packaging.bus', async () => {
      await this.runtime.bus.ping();
    });
    this.readiness.register('app-packaging.object-storage', async () => {
      await this.runtime.storage.ping();
    });
    this.readiness.register('app-packaging.read-models', async () => {
      if (this.runtime.projections.failed) throw new Error(`projections stopped: ${String(this.runtime.projections.failed)}`);
      const lag = (await this.runtime.store.headPosition()) - this.runtime.projections.checkpoint;
      if (lag > 1000) throw new Error(`read models are ${lag} events behind`);
      return { position: this.runtime.projections.checkpoint, lag };
    });
  }

  async onApplicationShutdown() {
    await this.runtime.stop();
  }
}

@Module({})
export class AppPackagingModule {
  static register(runtime: PackagingRuntime): DynamicModule {
    const auth: AuthConfig = {
      verifier: new TokenVerifier({ jwksUrl: runtime.config.JWKS_URL }),
      operatorToken: runtime.operatorToken,
      previousOperatorToken: runtime.config.OPERATOR_TOKEN_PREVIOUS,
      serviceTokens: runtime.config.SERVICE_TOKENS,
    };
    return {
      module: AppPackagingModule,
      controllers: [AppsController],
      providers: [
        { provide: PACKAGING_RUNTIME, useValue: runtime },
        { provide: AUTH_CONFIG, useValue: auth },
        AuthGuard,
        AppsService,
        PackagingLifecycle,
      ],
    };
  }
}
