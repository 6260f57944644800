/** RFC 9457 problem details, as the stack answers every error */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  region?: string;
  errors?: unknown[];
  [extension: string]: unknown;
}

export type ApiFailureKind = 'refused' | 'unreachable' | 'interrupted';

/** why a call did not succeed, with the message to show and the exit code it maps to */
export class ApiFailure extends Error {
  constructor(
    readonly kind: ApiFailureKind,
    message: string,
    readonly status?: number,
    readonly problem?: Problem,
  ) {
    super(message);
  }

  get exitCode() {
    return this.kind === 'refused' ? 1 : this.kind === 'unreachable' ? 3 : 130;
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** the operator's view of one stack's HTTP API (global fetch, no dependency) */
export class ApiClient {
  private readonly base: string;

  constructor(private readonly options: ApiClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.call<T>('GET', qs ? `${path}?${qs}` : path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.send<T>(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  /** a binary body (a package upload) with extra headers; the answer is JSON */
  upload<T>(path: string, body: Buffer, headers: Record<string, string>): Promise<T> {
    return this.send<T>('POST', path, { body, headers });
  }

  /** a binary answer (a package download) */
  async download(path: string): Promise<Buffer> {
    const bytes = await this.send<Buffer>('GET', path, { binary: true });
    return bytes;
  }

  private async send<T>(method: string, path: string, request: { body?: string | Buffer; headers?: Record<string, string>; binary?: boolean }): Promise<T> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: request.binary ? 'application/zip, application/problem+json' : 'application/json, application/problem+json',
          ...(request.headers ?? {}),
        },
        body: request.body,
        signal,
      });
      status = res.status;
      if (request.binary && status >= 200 && status < 300) return Buffer.from(await res.arrayBuffer()) as T;
      text = await res.text();
    } catch (error) {
      if (this.options.signal?.aborted) throw new ApiFailure('interrupted', 'interrupted');
      const why = timeout.aborted ? `no answer within ${this.options.timeoutMs} ms` : describeNetworkError(error);
      throw new ApiFailure('unreachable', `cannot reach the stack at ${this.options.baseUrl}: ${why}`);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status >= 200 && status < 300) {
      if (text && parsed === undefined) {
        throw new ApiFailure('refused', `unexpected answer from ${this.options.baseUrl}${path}: HTTP ${status} without JSON (is --url a control-plane stack?)`, status);
      }
      return parsed as T;
    }
    const problem = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Problem) : undefined;
    throw new ApiFailure('refused', describeRefusal(status, problem, text), status, problem);
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: { message?: string }[] } })?.cause;
  if (cause) {
    const message = cause.message || cause.errors?.map((e) => e.message).join('; ') || '';
    if (cause.code && !message.includes(cause.code)) return message ? `${cause.code}: ${message}` : cause.code;
    return message || String(error);
  }
  return (error as Error)?.message ?? String(error);
}

/** the line an operator reads when the API says no */
export function describeRefusal(status: number, problem: Problem | undefined, text: string): string {
  const detail = problem?.detail ?? (text.trim().slice(0, 300) || undefined);
  if (status === 401 || status === 403) {
    return `the operator token was refused (HTTP ${status}${detail ? `: ${detail}` : ''})`;
  }
  if (problem?.code === 'wrong-region' || status === 421) {
    return `wrong region (HTTP ${status}): ${detail ?? 'this stack does not serve that region'}`;
  }
  const title = problem?.title ? ` ${problem.title}` : '';
  const code = problem?.code ? `, ${problem.code}` : '';
  const lines = [`the stack refused the request (HTTP ${status}${title}${code})${detail ? `: ${detail}` : ''}`];
  // every listed problem: validation errors, and the slots / bindings / settings an import or a publish refused
  for (const key of ['errors', 'problems', 'failures', 'slots'] as const) {
    const list = problem?.[key];
    if (Array.isArray(list)) for (const e of list) lines.push(`  - ${typeof e === 'string' ? e : JSON.stringify(e)}`);
  }
  return lines.join('\n');
}
