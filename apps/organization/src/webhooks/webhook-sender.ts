import http from 'node:http';
import https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { isPublicAddress, Resolver, resolvePublic, systemResolver } from './webhook-url';

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  /** bytes of the response body read at most; the rest is discarded and the connection closed */
  maxResponseBytes: number;
  resolve?: Resolver;
}

export interface SendResult {
  /** the receiver answered 2xx */
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** the start of the response body (diagnostics for the Admin) */
  responseExcerpt: string;
}

const keepAlive = { http: new http.Agent({ keepAlive: true, maxSockets: 8 }), https: new https.Agent({ keepAlive: true, maxSockets: 8 }) };

/**
 * One POST to a webhook endpoint. The host is resolved and checked inside the connection's own `lookup`, so
 * the socket connects to the address that was checked (no DNS-rebinding gap); redirects are answers, never
 * followed; the whole exchange is bounded by `timeoutMs` and the body read by `maxResponseBytes`.
 */
export function sendWebhook(rawUrl: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  const resolve = options.resolve ?? systemResolver;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolvePublic(hostname, options.allowPrivate, resolve).then(
      (addresses) => {
        if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
  return new Promise<SendResult>((done) => {
    let settled = false;
    // set once the request exists; `finish` may run before that (a refused URL)
    const timeout: { id?: NodeJS.Timeout } = {};
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout.id);
      done({ ...result, latencyMs: Math.round(elapsed() * 100) / 100 });
    };
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return finish({ ok: false, statusCode: null, error: 'invalid URL', responseExcerpt: '' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return finish({ ok: false, statusCode: null, error: 'only http and https', responseExcerpt: '' });
    // Node connects to an IP literal without calling `lookup`: check it here
    const literal = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    if (isIP(literal) && !options.allowPrivate && !isPublicAddress(literal)) {
      return finish({ ok: false, statusCode: null, error: `${literal} is not a public address`, responseExcerpt: '' });
    }
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? keepAlive.https : keepAlive.http,
      lookup,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'orgs-control-plane-webhooks/1' },
    });
    timeout.id = setTimeout(() => {
      request.destroy(new Error(`no complete answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    request.on('error', (error) => finish({ ok: false, statusCode: null, error: error.message, responseExcerpt: '' }));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        if (bytes < options.maxResponseBytes) chunks.push(chunk.subarray(0, options.maxResponseBytes - bytes));
        bytes += chunk.length;
        if (bytes > options.maxResponseBytes) response.destroy(); // enough: the rest is not read
      });
      const settle = () => {
        const ok = status >= 200 && status < 300;
        const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, 512);
        let error: string | null = null;
        if (status >= 300 && status < 400) error = `redirect (${status}) not followed`;
        else if (!ok) error = `HTTP ${status}`;
        finish({ ok, statusCode: status, error, responseExcerpt: excerpt });
      };
      response.on('end', settle);
      response.on('close', settle);
      response.on('error', settle);
    });
    request.end(body);
  });
}
