import { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, StreamAppend } from '@lib/eventstore';
import { currentContext, logger, metrics, runWithContext } from './observability';

const ID = /^[\w.:-]{1,128}$/;

/**
 * Per request: a request id (x-request-id or generated) and a correlation id (x-correlation-id or the request
 * id), both echoed in the response, in every log line written while handling it, and in the metadata of
 * every event it appends. One access log line and one latency observation per request.
 */
interface HookRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  routeOptions?: { url?: string };
  /** the machine credential that made the request (service:<name>, key:<id>), set by the auth guard */
  credential?: string;
}
interface HookReply {
  statusCode: number;
  elapsedTime: number;
  header(name: string, value: string): unknown;
}
type Hook = (request: HookRequest, reply: HookReply, done: () => void) => void;

const quietRoutes = new Map<string, number>();
/**
 * Hot paths (a gateway's authorization checks) whose access lines are logged at debug below `belowStatus`
 * (400 by default: successful answers; a route that logs its own denials, with who and why, passes 500).
 * Every request is still counted in http_request_duration_seconds; answers from `belowStatus` up stay at info.
 */
export function logAccessAtDebug(route: string, belowStatus = 400) {
  quietRoutes.set(route, belowStatus);
}

export function instrumentHttp(fastify: { addHook(name: 'onRequest' | 'onResponse', hook: Hook): unknown }) {
  const log = logger('http');
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-correlation-id'];
    const correlationId = typeof given === 'string' && ID.test(given) ? given : request.id;
    reply.header('x-request-id', request.id);
    reply.header('x-correlation-id', correlationId);
    runWithContext({ requestId: request.id, correlationId }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    const line = { method: request.method, route, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime), ...(request.credential ? { credential: request.credential } : {}) };
    if (reply.statusCode < (quietRoutes.get(route) ?? 0)) log.debug(line, 'request');
    else log.info(line, 'request');
    done();
  });
}

/** the event store as the services use it: correlation id from the context, appends counted */
export function observedEventStore(store: EventStore, service: string): EventStore {
  const counter = metrics.eventsAppended.labels(service);
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        return async (stream: string, events: NewEvent[], options?: Parameters<EventStore['append']>[2]) => {
          const ctx = currentContext();
          const enriched = ctx
            ? events.map((e) => ({ ...e, metadata: { correlationId: ctx.correlationId, ...(e.metadata ?? {}) } }))
            : events;
          const result = await target.append(stream, enriched, options);
          counter.inc(events.length);
          return result;
        };
      }
      if (property === 'appendMany') {
        return async (appends: StreamAppend[]) => {
          const ctx = currentContext();
          const enriched = ctx
            ? appends.map((a) => ({
                ...a,
                events: a.events.map((e) => ({ ...e, metadata: { correlationId: ctx.correlationId, ...(e.metadata ?? {}) } })),
              }))
            : appends;
          const results = await target.appendMany(enriched);
          counter.inc(appends.reduce((n, a) => n + a.events.length, 0));
          return results;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** runs a consumer's handler in the source event's correlation context, with a log line and metrics */
export function observedHandler<E extends { id: string; type: string; correlationId?: string; occurredAt: string }>(
  service: string,
  topic: string,
  handle: (event: E) => Promise<void>,
) {
  const log = logger(`${service}.consumer`);
  const consumed = metrics.consumed.labels(service, topic);
  const lag = metrics.consumerLag.labels(service, topic);
  return (event: E) =>
    runWithContext({ requestId: randomUUID(), correlationId: event.correlationId ?? event.id }, async () => {
      await handle(event);
      consumed.inc();
      lag.set(Math.max(0, (Date.now() - Date.parse(event.occurredAt)) / 1000));
      log.info({ topic, eventId: event.id, type: event.type }, 'applied integration event');
    });
}

/**
 * The batched form of observedHandler: the same metrics, and the same log line per event, written in that
 * event's correlation context (so a change can still be followed by its correlation id through the logs).
 * The events of a batch carry their own correlation ids in the metadata the consumer appends.
 */
export function observedBatchHandler<E extends { id: string; type: string; correlationId?: string; occurredAt: string }>(
  service: string,
  topic: string,
  handle: (events: E[]) => Promise<void>,
) {
  const log = logger(`${service}.consumer`);
  const consumed = metrics.consumed.labels(service, topic);
  const lag = metrics.consumerLag.labels(service, topic);
  return async (events: E[]) => {
    const requestId = randomUUID();
    await runWithContext({ requestId, correlationId: requestId }, () => handle(events));
    if (events.length === 0) return;
    consumed.inc(events.length);
    lag.set(Math.max(0, (Date.now() - Date.parse(events[events.length - 1].occurredAt)) / 1000));
    if (!log.isLevelEnabled('info')) return;
    for (const e of events) {
      runWithContext({ requestId, correlationId: e.correlationId ?? e.id }, () =>
        log.info({ topic, eventId: e.id, type: e.type }, 'applied integration event'),
      );
    }
  };
}

export function deadLetterLogger(service: string, topic: string) {
  const log = logger(`${service}.consumer`);
  const counter = metrics.deadLetters.labels(service, topic);
  return (message: { headers: Record<string, string> }, reason: string) => {
    counter.inc();
    log.warn({ topic, eventId: message.headers['event-id'], reason }, 'sent a message to the dead-letter topic');
  };
}

/** Nest's own messages (bootstrap, errors) go through the same JSON logger */
export class PinoNestLogger implements LoggerService {
  private readonly pino = logger('nest');
  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, rest: unknown[]) {
    const context = typeof rest[rest.length - 1] === 'string' ? rest[rest.length - 1] : undefined;
    if (message instanceof Error) this.pino[level]({ err: message, context }, message.message);
    else if (message !== null && typeof message === 'object') {
      // Logger.error({ err, url }, 'request failed'): the fields go to the JSON line (pino serializes `err`
      // with its stack), the text is the message; never "[object Object]"
      const text = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : 'log';
      this.pino[level]({ ...(message as Record<string, unknown>), context }, text);
    } else this.pino[level]({ context }, String(message));
  }
  log(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
}
