import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createHttpApp, PlatformModule, requireEnv, runMain, secureDataDir } from '@lib/platform';
import { createMessageBus } from '@lib/messaging';
import { IdentityModule } from './identity.module';
import { IdentityRuntime } from './identity.runtime';
import { loadIdentityConfig } from './config';
import { SERVICE_REQUIRED_ENV, SERVICE_TOPICS } from './service';

/** identity alone in its own process, talking to the other services only over Kafka */
runMain('identity', async () => {
  requireEnv(process.env, SERVICE_REQUIRED_ENV, 'identity');
  const config = loadIdentityConfig({ PORT: '3001', ...process.env });
  secureDataDir(config.DATA_DIR);
  const bus = createMessageBus(config, 'identity', SERVICE_TOPICS);
  const runtime = await IdentityRuntime.open(config, bus, config.OPERATOR_TOKEN!);

  @Module({ imports: [PlatformModule, IdentityModule.register(runtime)] })
  class ServiceModule {}

  const app = await createHttpApp(ServiceModule, {
    title: 'identity',
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustedProxies: config.TRUSTED_PROXIES,
    metrics: { token: config.METRICS_TOKEN, port: config.METRICS_PORT, host: config.HOST },
    logLevel: config.LOG_LEVEL,
    logger: ['error', 'warn'],
  });
  return { app, port: config.PORT, host: config.HOST, lines: [`region ${config.REGION}, bus ${config.BUS}, event store ${config.EVENT_STORE}`] };
});
