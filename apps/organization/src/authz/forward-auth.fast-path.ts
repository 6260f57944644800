import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { logger, metrics } from '@lib/platform';
import { FORWARD_AUTH_PATH, ForwardDecision, ForwardRequest } from './forward-auth';

/** what goes back to the gateway for a decision: the same bytes whichever path served the request */
export interface ForwardAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const FORWARD_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function answerOf(decision: ForwardDecision): ForwardAnswer {
  // an authorization answer is about this request only: nothing (a proxy, a browser after Traefik relays a 401) keeps it
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...decision.headers };
  if (!decision.problem) return { status: decision.status, headers, body: '' };
  headers['content-type'] = 'application/problem+json; charset=utf-8';
  return { status: decision.status, headers, body: JSON.stringify(decision.problem) };
}

const ID = /^[\w.:-]{1,128}$/;
const installed = new WeakSet<Server>();

/** a request the fast path answers: forward-auth's paths, a method it serves, and no body (gateways send none) */
export function isFastPathRequest(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): boolean {
  const url = req.url ?? '';
  if (!url.startsWith(FORWARD_AUTH_PATH)) return false;
  const next = url.charCodeAt(FORWARD_AUTH_PATH.length);
  // exactly the path, the path and a query, or the path and more path (Envoy's path_prefix)
  if (!(Number.isNaN(next) || next === 0x3f /* ? */ || next === 0x2f /* / */)) return false;
  if (!FORWARD_METHODS.includes(req.method ?? '')) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * Serves GET /v1/authz/forward (any method, no body) straight from Node's HTTP server, ahead of Fastify's
 * router and its global hooks (security headers for browsers, request context, Nest's middleware runner, the
 * access-log hook): a gateway asks on every request its clients make, and those hooks cost several times the
 * decision itself (bench/README.md). What the hooks give a gateway is kept here: the request and correlation
 * ids echoed, the latency in http_request_duration_seconds, `Connection: close` while the replica drains, and
 * the decision's own log line and counter (forward-auth.route.ts). The decision is the same ForwardAuthorizer
 * the Fastify route uses (it still serves requests with a body, and in-process `inject`), with the same answer.
 */
export function installForwardAuthFastPath(
  server: Server,
  decide: (request: ForwardRequest) => Promise<ForwardDecision>,
  onDecision: (decision: ForwardDecision, requestId: string) => void,
  draining: () => boolean,
) {
  if (installed.has(server)) throw new Error('the forward-auth fast path is already installed on this server');
  installed.add(server);
  const log = logger('authz.forward');
  const observers = new Map<string, ReturnType<typeof metrics.httpRequests.labels>>();
  const observe = (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${route} ${status}`;
    let child = observers.get(key);
    if (!child) observers.set(key, (child = metrics.httpRequests.labels(method, route, String(status))));
    child.observe(seconds);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && ID.test(given) ? given : randomUUID();
    const correlation = req.headers['x-correlation-id'];
    const correlationId = typeof correlation === 'string' && ID.test(correlation) ? correlation : requestId;
    let answer: ForwardAnswer;
    try {
      const decision = await decide({ method: req.method!, url: req.url!, headers: req.headers });
      onDecision(decision, requestId);
      answer = answerOf(decision);
    } catch (error) {
      log.error({ err: error, requestId }, 'forward-auth failed');
      const problem = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'the authorization decision failed', instance: FORWARD_AUTH_PATH };
      answer = { status: 500, headers: { 'cache-control': 'no-store', 'content-type': 'application/problem+json; charset=utf-8' }, body: JSON.stringify(problem) };
    }
    const headers: Record<string, string | number> = { ...answer.headers, 'x-request-id': requestId, 'x-correlation-id': correlationId, 'content-length': Buffer.byteLength(answer.body) };
    if (draining()) headers.connection = 'close';
    res.writeHead(answer.status, headers);
    res.end(answer.body);
    const route = req.url!.length > FORWARD_AUTH_PATH.length && req.url!.charCodeAt(FORWARD_AUTH_PATH.length) === 0x2f ? `${FORWARD_AUTH_PATH}/*` : FORWARD_AUTH_PATH;
    observe(req.method!, route, answer.status, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const others = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isFastPathRequest(req)) void serve(req, res);
    else for (const listener of others) listener.call(server, req, res);
  });
}
