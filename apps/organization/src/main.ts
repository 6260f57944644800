import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createHttpApp, PlatformModule, requireEnv, runMain, secureDataDir } from '@lib/platform';
import { createMessageBus } from '@lib/messaging';
import { OrganizationModule } from './organization.module';
import { OrganizationRuntime } from './organization.runtime';
import { loadOrganizationConfig } from './config';
import { SERVICE_REQUIRED_ENV, SERVICE_TOPICS } from './service';

/** organization alone in its own process, talking to the other services only over Kafka */
runMain('organization', async () => {
  requireEnv(process.env, SERVICE_REQUIRED_ENV, 'organization');
  const config = loadOrganizationConfig({ PORT: '3002', ...process.env });
  secureDataDir(config.DATA_DIR);
  const bus = createMessageBus(config, 'organization', SERVICE_TOPICS);
  const runtime = await OrganizationRuntime.open(config, bus, config.OPERATOR_TOKEN!);

  @Module({ imports: [PlatformModule, OrganizationModule.register(runtime)] })
  class ServiceModule {}

  const app = await createHttpApp(ServiceModule, {
    title: 'organization',
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustedProxies: config.TRUSTED_PROXIES,
    metrics: { token: config.METRICS_TOKEN, port: config.METRICS_PORT, host: config.HOST },
    logLevel: config.LOG_LEVEL,
    logger: ['error', 'warn'],
  });
  return { app, port: config.PORT, host: config.HOST, lines: [`region ${config.REGION}, bus ${config.BUS}, event store ${config.EVENT_STORE}`] };
});
