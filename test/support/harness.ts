import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStandalone, Standalone } from '../../apps/standalone/src/standalone';

export const OPERATOR_TOKEN = 'op-test-token-0123456789-abcdefghijklmnop';

export interface TestApp extends Standalone {
  dataDir: string;
  request(method: string, url: string, options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Reply>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

/** the standalone product on a fresh data directory, driven in-process through Fastify's inject */
export async function startApp(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'ocp-'))): Promise<TestApp> {
  const standalone = await createStandalone(
    { DATA_DIR: dataDir, OPERATOR_TOKEN, LOG_LEVEL: 'silent', REGION: 'us', ...env },
    { logger: false },
  );
  await standalone.app.init();
  await standalone.app.getHttpAdapter().getInstance().ready();
  const fastify = standalone.app.getHttpAdapter().getInstance();
  return {
    ...standalone,
    dataDir,
    async request(method, url, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let payload: string | undefined;
      if (options.raw !== undefined) {
        payload = options.raw;
        headers['content-type'] ??= 'application/json';
      } else if (options.body !== undefined) {
        payload = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fastify.inject({ method: method as never, url, headers, payload });
      let body: unknown = res.body;
      try {
        body = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.statusCode, body, headers: res.headers as Record<string, unknown> };
    },
    async close(options = {}) {
      await standalone.app.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** retries an assertion until it passes: for what crosses services through the bus */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export const PASSWORD = 'correct horse battery staple';
