import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError, DomainErrorKind, WrongExpectedRevisionError } from '@lib/eventstore';
import { InputHygieneError } from './input-hygiene';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code?: string;
  [extension: string]: unknown;
}

const KIND_STATUS: Record<DomainErrorKind, number> = {
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  gone: 410,
  unprocessable: 422,
  invalid: 400,
  misdirected: 421,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** an error that already carries problem details (validation, throttling) */
export class ProblemException extends HttpException {
  constructor(status: number, detail: string, extensions: Record<string, unknown> = {}, readonly headers: Record<string, string> = {}) {
    super({ detail, ...extensions }, status);
  }
}

export function toProblem(error: unknown, instance?: string): { problem: ProblemDetails; headers: Record<string, string> } {
  let status = 500;
  let detail = 'an unexpected error occurred';
  let extensions: Record<string, unknown> = {};
  let headers: Record<string, string> = {};
  if (error instanceof DomainError) {
    status = KIND_STATUS[error.kind];
    detail = error.message;
    extensions = { code: error.code, ...(error.details ?? {}) };
  } else if (error instanceof InputHygieneError) {
    status = 400;
    detail = error.message;
    extensions = { code: error.code, ...(error.pointer ? { pointer: error.pointer } : {}) };
  } else if (error instanceof WrongExpectedRevisionError) {
    status = 409;
    detail = 'the resource was changed by another request; read it again and retry';
    extensions = { code: 'concurrent-modification' };
  } else if (error instanceof HttpException) {
    status = error.getStatus();
    const body = error.getResponse();
    if (error instanceof ProblemException) headers = error.headers;
    if (typeof body === 'string') detail = body;
    else if (body && typeof body === 'object') {
      // fields of the problem object itself are never taken from the body (a health report has its own `status`)
      const { message, detail: d, error: _e, statusCode: _s, status: _st, type: _t, title: _ti, instance: _i, ...rest } = body as Record<
        string,
        unknown
      >;
      if (Array.isArray(message)) {
        detail = 'the request is invalid';
        extensions.errors = message;
      } else detail = String(d ?? message ?? error.message);
      extensions = { ...extensions, ...rest };
      // an OAuth 2.0 endpoint's answer keeps RFC 6749's `error` member beside the problem's fields
      if (error instanceof ProblemException && typeof _e === 'string') extensions.error = _e;
    }
  } else if (isFastifyError(error)) {
    status = error.statusCode;
    detail = error.message;
  }
  const title = TITLES[status] ?? HttpStatus[status] ?? 'Error';
  return {
    problem: {
      type: `https://problems.orgs-control-plane.dev/${status}`,
      title,
      status,
      detail,
      ...(instance ? { instance } : {}),
      ...extensions,
    },
    headers,
  };
}

function isFastifyError(error: unknown): error is { statusCode: number; message: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { statusCode?: unknown }).statusCode === 'number' &&
    (error as { statusCode: number }).statusCode >= 400 &&
    (error as { statusCode: number }).statusCode < 500
  );
}

/** every error leaves as RFC 9457 problem details (application/problem+json) */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost) {
    const context = host.switchToHttp();
    const request = context.getRequest<{ url?: string; method?: string }>();
    const reply = context.getResponse();
    const { problem, headers } = toProblem(error, request.url);
    if (problem.status >= 500) this.logger.error({ err: error, url: request.url }, 'request failed');
    reply.status(problem.status);
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    reply.header('content-type', 'application/problem+json; charset=utf-8');
    reply.send(JSON.stringify(problem));
  }
}
