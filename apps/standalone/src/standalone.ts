import { Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InProcessMessageBus } from '@lib/messaging';
import { createHttpApp, PlatformModule, resolveOperatorToken, secureDataDir } from '@lib/platform';
import { serviceHandles, ServiceHandles } from '@lib/service-kit';
import { IdentityModule } from '../../identity/src/identity.module';
import { identityConfigSchema } from '../../identity/src/config';
import { OrganizationModule } from '../../organization/src/organization.module';
import { loadConfig } from '@lib/platform';
import { serveConsole } from '@lib/platform/console-static';
import { organizationConfigSchema } from '../../organization/src/config';
import { packagingConfigSchema } from '../../app-packaging/src/config';
import { AppPackagingModule } from '../../app-packaging/src/app-packaging.module';

export const standaloneConfigSchema = identityConfigSchema.merge(organizationConfigSchema).merge(packagingConfigSchema);

export interface Standalone {
  app: NestFastifyApplication;
  config: ReturnType<typeof loadConfig<typeof standaloneConfigSchema>>;
  operatorToken: string;
  operatorTokenFile?: string;
  bus: InProcessMessageBus;
  identity: ServiceHandles;
  organization: ServiceHandles;
  packaging: ServiceHandles;
}

/**
 * The one-process composition: identity, organization and app-packaging on the embedded defaults (SQLite files under
 * DATA_DIR, the in-process bus), served on one HTTP port. Composition is the only place that imports apps.
 */
export async function createStandalone(env: NodeJS.ProcessEnv = process.env, options: { logger?: false } = {}): Promise<Standalone> {
  const config = loadConfig(standaloneConfigSchema, env);
  secureDataDir(config.DATA_DIR);
  const { token, generatedAt } = resolveOperatorToken(config);
  const bus = new InProcessMessageBus();
  const deps = { config, bus, operatorToken: token };
  const identity = IdentityModule.register(deps);
  const organization = OrganizationModule.register(deps);
  const packaging = AppPackagingModule.register(deps);

  @Module({ imports: [PlatformModule, identity, organization, packaging] })
  class StandaloneModule {}

  const app = await createHttpApp(StandaloneModule, {
    title: 'Organizations control plane (standalone)',
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustedProxies: config.TRUSTED_PROXIES,
    metrics: { token: config.METRICS_TOKEN, port: config.METRICS_PORT, host: config.HOST },
    logLevel: config.LOG_LEVEL,
    zipBodyLimit: config.PACKAGE_MAX_BYTES,
    logger: options.logger,
  });
  await serveConsole(app, env.CONSOLE_DIR ?? 'dist/console'); // the Console at `/` (npm start builds it)
  return {
    app,
    config,
    operatorToken: token,
    operatorTokenFile: generatedAt,
    bus,
    identity: serviceHandles(app, identity),
    organization: serviceHandles(app, organization),
    packaging: serviceHandles(app, packaging),
  };
}
