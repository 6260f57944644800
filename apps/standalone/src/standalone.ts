import { Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InProcessMessageBus } from '@lib/messaging';
import { createHttpApp, PlatformModule, resolveOperatorToken, secureDataDir } from '@lib/platform';
import { IdentityModule } from '../../identity/src/identity.module';
import { IdentityRuntime } from '../../identity/src/identity.runtime';
import { identityConfigSchema } from '../../identity/src/config';
import { OrganizationModule } from '../../organization/src/organization.module';
import { OrganizationRuntime } from '../../organization/src/organization.runtime';
import { loadConfig } from '@lib/platform';
import { organizationConfigSchema } from '../../organization/src/config';
import { packagingConfigSchema } from '../../app-packaging/src/config';
import { AppPackagingModule } from '../../app-packaging/src/app-packaging.module';
import { PackagingRuntime } from '../../app-packaging/src/app-packaging.runtime';

export const standaloneConfigSchema = identityConfigSchema.merge(organizationConfigSchema).merge(packagingConfigSchema);

export interface Standalone {
  app: NestFastifyApplication;
  config: ReturnType<typeof loadConfig<typeof standaloneConfigSchema>>;
  operatorToken: string;
  operatorTokenFile?: string;
  bus: InProcessMessageBus;
  identity: IdentityRuntime;
  organization: OrganizationRuntime;
  packaging: PackagingRuntime;
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
  const identity = await IdentityRuntime.open(config, bus, token);
  const organization = OrganizationRuntime.open(config, bus, token);
  const packaging = PackagingRuntime.open(config, bus, token);

  @Module({
    imports: [
      PlatformModule,
      IdentityModule.register(identity),
      OrganizationModule.register(organization),
      AppPackagingModule.register(packaging),
    ],
  })
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
  return { app, config, operatorToken: token, operatorTokenFile: generatedAt, bus, identity, organization, packaging };
}
