import { DynamicModule, Module } from '@nestjs/common';
import { createMessageBus } from '@lib/messaging';
import { BaseConfig, createHttpApp, PlatformModule, requireEnv, runMain, secureDataDir } from '@lib/platform';
import { ServiceDependencies } from './tokens';

export interface ServiceProcess<C extends BaseConfig> {
  name: string;
  /** the port when PORT is unset */
  defaultPort: number;
  requiredEnv: readonly string[];
  /** topics created up front (with their dead-letter topics) */
  topics: string[];
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  module: { register(deps: ServiceDependencies<C>): DynamicModule };
  /** bodies of content-type application/zip are read up to this size */
  zipBodyLimit?: (config: C) => number;
}

/** one service alone in its own process, talking to the other services only over Kafka */
export function bootstrapService<C extends BaseConfig>(service: ServiceProcess<C>) {
  runMain(service.name, async () => {
    requireEnv(process.env, service.requiredEnv, service.name);
    const config = service.loadConfig({ PORT: String(service.defaultPort), ...process.env });
    secureDataDir(config.DATA_DIR); // 0700, and files created 0600, before anything is written under it
    const bus = createMessageBus(config, service.name, service.topics);

    @Module({ imports: [PlatformModule, service.module.register({ config, bus, operatorToken: config.OPERATOR_TOKEN! })] })
    class ServiceModule {}

    const app = await createHttpApp(ServiceModule, {
      title: service.name,
      bodyLimit: config.BODY_LIMIT_BYTES,
      trustedProxies: config.TRUSTED_PROXIES,
      metrics: { token: config.METRICS_TOKEN, port: config.METRICS_PORT, host: config.HOST },
      logLevel: config.LOG_LEVEL,
      zipBodyLimit: service.zipBodyLimit?.(config),
      logger: ['error', 'warn'],
    });
    return { app, port: config.PORT, host: config.HOST, lines: [`region ${config.REGION}, bus ${config.BUS}, event store ${config.EVENT_STORE}`] };
  });
}
