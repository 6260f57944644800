import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** what follows a change from the HTTP request through the event store and the bus into other services */
export interface RequestContext {
  requestId: string;
  correlationId: string;
}

const context = new AsyncLocalStorage<RequestContext>();
export const runWithContext = <T>(ctx: RequestContext, fn: () => T): T => context.run(ctx, fn);
export const currentContext = (): RequestContext | undefined => context.getStore();

/** every log line's secrets are censored wherever they appear in these paths */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
];

let root: Logger = pino({ level: process.env.LOG_LEVEL ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } });

/**
 * Asynchronous writes to stdout, one per process: a request never waits for its log line (measured in
 * bench/forward-auth.bench.ts); pino flushes what is still pending when the process exits.
 */
let stdout: ReturnType<typeof pino.destination> | undefined;

/** the process's structured JSON logger; lines written inside a request carry its request and correlation ids */
export function configureLogger(level: string) {
  stdout ??= pino.destination({ dest: 1, sync: false });
  root = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin: () => {
        const ctx = currentContext();
        return ctx ? { requestId: ctx.requestId, correlationId: ctx.correlationId } : {};
      },
    },
    stdout,
  );
  return root;
}

export const logger = (component: string): Logger => root.child({ component });

/** one registry per process: services in one process share it (labels say which service) */
export const metrics = (() => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    eventsAppended: new Counter({
      name: 'events_appended_total',
      help: 'events appended to a service\'s event store',
      labelNames: ['service'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'dead_letters_total',
      help: 'messages a consumer could not parse and sent to the dead-letter topic',
      labelNames: ['service', 'topic'],
      registers: [registry],
    }),
    consumed: new Counter({
      name: 'integration_events_consumed_total',
      help: 'integration events a service applied (redeliveries included)',
      labelNames: ['service', 'topic'],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'consumer_lag_seconds',
      help: 'age of the last integration event a service applied, when it was applied',
      labelNames: ['service', 'topic'],
      registers: [registry],
    }),
    relayLag: new Gauge({ name: 'relay_lag_events', help: 'events in the log not yet published', labelNames: ['service'], registers: [registry] }),
    projectionPosition: new Gauge({
      name: 'projection_position',
      help: 'global log position the read models have reached',
      labelNames: ['service'],
      registers: [registry],
    }),
    catchUpBehind: new Gauge({
      name: 'catchup_events_behind',
      help: 'events (Kafka consumers: messages) a reader of a log still has to handle: relay, read models, consumer:<topic>',
      labelNames: ['service', 'reader'],
      registers: [registry],
    }),
    catchUpRate: new Gauge({
      name: 'catchup_events_per_second',
      help: 'events per second a reader handled over the last 10 s',
      labelNames: ['service', 'reader'],
      registers: [registry],
    }),
    catchUpEta: new Gauge({
      name: 'catchup_eta_seconds',
      help: 'seconds until a reader has caught up at its recent rate (-1: behind and not moving)',
      labelNames: ['service', 'reader'],
      registers: [registry],
    }),
    headPosition: new Gauge({ name: 'event_store_head_position', help: 'last global position of the log', labelNames: ['service'], registers: [registry] }),
  };
})();

/** gauges that are read when Prometheus scrapes */
const collectors: (() => Promise<void>)[] = [];
export function onScrape(collect: () => Promise<void>) {
  collectors.push(collect);
}
export async function scrape(): Promise<string> {
  await Promise.allSettled(collectors.map((c) => c()));
  return metrics.registry.metrics();
}
