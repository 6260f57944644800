import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStandalone, Standalone } from '../../apps/standalone/src/standalone';
import { readOutbox, ReceivedMail } from './mail';
import { MailDispatcher } from '../../apps/identity/src/mail/mail.dispatcher';

export const OPERATOR_TOKEN = 'op-test-token-0123456789-abcdefghijklmnop';

export interface TestApp extends Standalone {
  dataDir: string;
  request(method: string, url: string, options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Reply>;
  close(options?: { keepData?: boolean }): Promise<void>;
  /** the newest mail to `to` in the embedded outbox whose subject matches, once the mailer sent it */
  mailTo(to: string, subject?: RegExp): Promise<ReceivedMail>;
  /** confirms `email` with the link from its verification mail, and lets organization learn it */
  verifyEmail(email: string): Promise<void>;
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
  const app: TestApp = {
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
    async mailTo(to, subject = /./) {
      return eventually(async () => {
        await standalone.identity.get(MailDispatcher).flush();
        const mails = (await readOutbox(dataDir)).filter((m) => m.to === to.toLowerCase() && subject.test(m.subject));
        if (mails.length === 0) throw new Error(`no mail to ${to} matching ${subject}`);
        return mails[mails.length - 1];
      });
    },
    async verifyEmail(email) {
      const mail = await app.mailTo(email, /Confirm your email/);
      const res = await app.request('POST', '/v1/email-verifications', { body: { token: mail.token } });
      if (res.status !== 200) throw new Error(`verification of ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
      await standalone.identity.relay.flush();
    },
    async close(options = {}) {
      await standalone.app.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return app;
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
