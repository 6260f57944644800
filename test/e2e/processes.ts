import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { readOutbox } from '../support/mail';
export const ROOT = join(__dirname, '..', '..');

/** one service as its own OS process (ts-node, no build step), with its output kept for failure reports */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  output = '';

  constructor(
    readonly name: 'identity' | 'organization' | 'app-packaging' | 'standalone',
    readonly port: number,
    readonly env: Record<string, string>,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  start() {
    this.child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${this.name}/src/main.ts`],
      {
        cwd: ROOT,
        env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', TS_NODE_PROJECT: 'tsconfig.json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout?.on('data', (d) => (this.output += d));
    this.child.stderr?.on('data', (d) => (this.output += d));
    return this;
  }

  async ready(timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
        throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.output}`);
      }
      try {
        const res = await fetch(`${this.url}/health/ready`);
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
  }

  /** sends the signal and waits for the exit; a graceful stop that takes over 20 s is reported and killed */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ graceful: boolean }> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return { graceful: true };
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      console.error(`${this.name} did not stop on ${signal} within 20 s:\n${this.output.slice(-3000)}`);
      child.kill('SIGKILL');
      await exited;
      return { graceful: false };
    }
    return { graceful: true };
  }
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: Buffer; type?: string; correlationId?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.correlationId) headers['x-correlation-id'] = options.correlationId;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: Buffer | string | undefined;
  if (options.raw) {
    body = options.raw;
    headers['content-type'] = options.type ?? 'application/zip';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const buffer = Buffer.from(await res.arrayBuffer());
  let json: any = undefined;
  try {
    json = JSON.parse(buffer.toString('utf8'));
  } catch {
    /* binary */
  }
  return { status: res.status, body: json, raw: buffer };
}

export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Confirms `email` with the token from the verification mail in identity's embedded outbox (the service's
 * DATA_DIR), as the person would by opening the link: only verified addresses accept invitations, become
 * first Admins or get organization-scoped tokens.
 */
export async function verifyEmailFromOutbox(identityUrl: string, identityDataDir: string, email: string): Promise<void> {
  const mail = await eventually(async () => {
    const mails = (await readOutbox(identityDataDir)).filter((m) => m.to === email.toLowerCase() && /Confirm/.test(m.subject));
    if (mails.length === 0) throw new Error(`no verification mail to ${email} yet`);
    return mails[mails.length - 1];
  }, 15_000);
  const res = await call(identityUrl, 'POST', '/v1/email-verifications', { body: { token: mail.token } });
  if (res.status !== 200) throw new Error(`verification of ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
}
