import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/**
 * The real nginx (Debian's package, /usr/sbin/nginx; NGINX_BIN to use another), run as its own instance in
 * the foreground with everything under `prefix`. `confText` is a whole nginx.conf (main context).
 */
export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

function writeConf(confText: string, prefix: string): string {
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  // as root, nginx's workers run as `nobody`: they must be able to reach the prefix (temp files, logs), so
  // every directory above it must be searchable too (mkdtemp makes 0700 directories)
  chmodSync(prefix, 0o755);
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, confText);
  return file;
}

/** `nginx -t` on this configuration; throws with nginx's own message when it is refused */
export function nginxConfigTest(confText: string, prefix: string): void {
  const file = writeConf(confText, prefix);
  try {
    execFileSync(NGINX_BIN, ['-t', '-q', '-p', prefix, '-c', file, '-g', `pid ${join(prefix, 'nginx-t.pid')};`], { stdio: 'pipe' });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`nginx -t refused the configuration:\n${e.stderr?.toString() ?? e.message}`, { cause: error });
  }
}

/** starts nginx and resolves once every port it `listen`s on accepts connections */
export async function startNginx(confText: string, opts: { prefix: string }): Promise<{ stop(): Promise<void> }> {
  const { prefix } = opts;
  const file = writeConf(confText, prefix);
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', prefix, '-c', file, '-g', `daemon off; pid ${join(prefix, 'nginx.pid')};`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const errorLog = () => {
    const log = join(prefix, 'logs', 'error.log');
    return existsSync(log) ? readFileSync(log, 'utf8').slice(-4000) : '';
  };
  const ports = [...confText.matchAll(/^\s*listen\s+(?:[\d.]+:)?(\d+)/gm)].map((m) => Number(m[1]));
  const deadline = Date.now() + 10_000;
  for (const port of ports) {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${stderr}${errorLog()}`);
      if (await accepts(port)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not listen on ${port} within 10 s:\n${stderr}${errorLog()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGQUIT'); // graceful: finish in-flight requests
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
