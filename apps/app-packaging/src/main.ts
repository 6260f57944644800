import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createHttpApp, PlatformModule, requireEnv, runMain, secureDataDir } from '@lib/platform';
import { createMessageBus } from '@lib/messaging';
import { AppPackagingModule } from './app-packaging.module';
import { PackagingRuntime } from './app-packaging.runtime';
import { loadPackagingConfig } from './config';
import { SERVICE_REQUIRED_ENV, SERVICE_TOPICS } from './service';

/** app-packaging alone in its own process, talking to the other services only over Kafka */
runMain('app-packaging', async () => {
  requireEnv(process.env, SERVICE_REQUIRED_ENV, 'app-packaging');
  const config = loadPackagingConfig({ PORT: '3003', ...process.env });
  secureDataDir(config.DATA_DIR);
  const bus = createMessageBus(config, 'app-packaging', SERVICE_TOPICS);
  const runtime = await PackagingRuntime.open(config, bus, config.OPERATOR_TOKEN!);

  @Module({ imports: [PlatformModule, AppPackagingModule.register(runtime)] })
  class ServiceModule {}

  const app = await createHttpApp(ServiceModule, {
    title: 'app-packaging',
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustedProxies: config.TRUSTED_PROXIES,
    metrics: { token: config.METRICS_TOKEN, port: config.METRICS_PORT, host: config.HOST },
    logLevel: config.LOG_LEVEL,
    zipBodyLimit: config.PACKAGE_MAX_BYTES,
    logger: ['error', 'warn'],
  });
  return { app, port: config.PORT, host: config.HOST, lines: [`region ${config.REGION}, bus ${config.BUS}, event store ${config.EVENT_STORE}`] };
});
