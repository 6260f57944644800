import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AUTH_CONFIG, authConfig, AuthGuard, LocalKeySet, TokenVerifier } from '@lib/auth';
import { ReadinessRegistry, registerServiceReadiness } from '@lib/platform';
import { IDENTITY_RUNTIME, IdentityRuntime } from './identity.runtime';
import { IdentityService } from './identity.service';
import { IdentityController } from './identity.controller';
import { VerificationController } from './verification/verification.controller';
import { VerificationService } from './verification/verification.service';

class IdentityLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(IDENTITY_RUNTIME) private readonly runtime: IdentityRuntime,
    private readonly readiness: ReadinessRegistry,
  ) {}

  /** consumers subscribe first (every module), then relays publish (onApplicationBootstrap) */
  async onModuleInit() {
    await this.runtime.start();
  }

  async onApplicationBootstrap() {
    this.runtime.startRelay();
    registerServiceReadiness(this.readiness, 'identity', { store: this.runtime.store, bus: this.runtime.bus, relay: this.runtime.relay });
  }

  async onApplicationShutdown() {
    await this.runtime.stop();
  }
}

@Module({})
export class IdentityModule {
  static register(runtime: IdentityRuntime): DynamicModule {
    // identity verifies its own tokens with its own keys
    const keys = new LocalKeySet();
    keys.publish(runtime.keys.jwks());
    const auth = authConfig(runtime.config, runtime.operatorToken, new TokenVerifier({ local: keys }));
    return {
      module: IdentityModule,
      controllers: [IdentityController, VerificationController],
      providers: [
        { provide: IDENTITY_RUNTIME, useValue: runtime },
        { provide: AUTH_CONFIG, useValue: auth },
        AuthGuard,
        IdentityService,
        VerificationService,
        IdentityLifecycle,
      ],
    };
  }
}
