import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from './config';
import { logger } from './observability';

/**
 * Runs one service's process: build (config is validated inside, a ConfigError exits 78 naming the
 * variable), listen, and close gracefully on SIGTERM/SIGINT (Nest's shutdown hooks stop relays and
 * consumers and close the stores).
 */
export function runMain(name: string, start: () => Promise<{ app: NestFastifyApplication; port: number; host: string; lines?: string[] }>) {
  start()
    .then(async ({ app, port, host, lines }) => {
      await app.listen({ port, host });
      const url = await app.getUrl();
      const log = logger('main');
      log.info({ url }, `${name} listening on ${url}`);
      for (const line of lines ?? []) log.info(line);
    })
    .catch((error) => {
      if (error instanceof ConfigError) {
        console.error(`${name}: ${error.message}`);
        process.exit(78); // EX_CONFIG
      }
      logger('main').fatal({ err: error }, `${name} failed to start`);
      process.exit(1);
    });
}

/** a service running alone refuses to start without its distributed settings, naming every missing one */
export function requireEnv(env: NodeJS.ProcessEnv, names: readonly string[], service: string) {
  const missing = names.filter((n) => !env[n]);
  if (missing.length > 0) {
    throw new ConfigError(`${service} running on its own needs ${missing.map((m) => `${m}`).join(', ')} (see docker-compose.yml and deploy/)`);
  }
  if (env.BUS !== 'kafka') throw new ConfigError(`BUS: a service running on its own talks to the others over Kafka (BUS=kafka), got ${env.BUS}`);
}
