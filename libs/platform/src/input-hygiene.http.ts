import type { Socket } from 'node:net';
import { InputHygieneError, parseUntrustedJson } from './input-hygiene';

interface FastifyLike {
  removeContentTypeParser(type: string): unknown;
  addContentTypeParser(
    type: string | RegExp,
    options: { parseAs: 'string' },
    parser: (request: unknown, body: string, done: (error: Error | null, value?: unknown) => void) => void,
  ): unknown;
}

/**
 * One JSON body parser for every route (Nest controllers and the routes registered on Fastify directly,
 * such as the authorization check): depth and strings are checked before any handler, pipe or serializer
 * sees the value. Form-encoded bodies have no parser, so they answer 415 like any other media type.
 */
export function installInputHygiene(fastify: FastifyLike) {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body.length === 0) return done(Object.assign(new InputHygieneError('the JSON body is empty', 'invalid-json'), { statusCode: 400 }));
    try {
      done(null, parseUntrustedJson(body));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }));
    }
  });
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' };

/** Node's own refusals (before any route) as problem details too */
export function writeClientError(error: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return socket.destroy();
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'HPE_URI_TOO_LONG' ? 414 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({
    type: `https://problems.orgs-control-plane.dev/${status}`,
    title: REASONS[status],
    status,
    detail: status === 431 ? 'the request headers are too large' : status === 408 ? 'the request took too long to arrive' : 'the request is malformed',
  });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Fastify's own refusals before routing (414 for an over-long path parameter, 400 for a malformed URL
 * component) as problem details, like every other 4xx.
 */
export function frameworkErrorAsProblem(
  error: Error & { statusCode?: number },
  request: { url: string },
  reply: { code(n: number): { header(n: string, v: string): { send(body: string): unknown } } },
) {
  const status = error.statusCode ?? 400;
  reply
    .code(status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(
      JSON.stringify({
        type: `https://problems.orgs-control-plane.dev/${status}`,
        title: REASONS[status] ?? 'Bad Request',
        status,
        detail: status === 414 ? 'a path segment is longer than any identifier' : 'the request URL is malformed',
      }),
    );
}
