import { createServer, IncomingMessage, Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY } from './deploy';

export const GATEWAY_TEMPLATE_FILE = join(DEPLOY, 'gateway', 'templates', 'default.conf.template');
export const gatewayTemplate = () => readFileSync(GATEWAY_TEMPLATE_FILE, 'utf8');

/** the upstream servers the template names, by upstream block: `us-identity` → [`identity.ocp-us.svc.cluster.local:3001`] */
export function templateUpstreams(template = gatewayTemplate()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of template.matchAll(/^\s*upstream\s+([\w-]+)\s*\{([^}]*)\}/gm)) {
    out.set(m[1], [...m[2].matchAll(/server\s+([^\s;]+)/g)].map((s) => s[1]));
  }
  return out;
}

/**
 * The template as the nginx image renders it (envsubst of LOCAL_REGION), listening on `listen` and with each
 * upstream's server replaced by a local address: the cluster names do not resolve here, and nginx refuses
 * to start when one does not.
 */
export function renderGateway(localRegion: string, listen: number, upstream: (name: string) => string, template = gatewayTemplate()): string {
  return template
    .replace(/\$\{LOCAL_REGION\}/g, localRegion)
    .replace(/^(\s*)listen\s+8080;/m, `$1listen 127.0.0.1:${listen};`)
    .replace(/^(\s*upstream\s+([\w-]+)\s*\{\s*server\s+)[^\s;]+/gm, (_all, head: string, name: string) => `${head}${upstream(name)}`);
}

/** a whole nginx.conf around a conf.d file, with every path nginx writes under `prefix` */
export function mainConf(snippet: string, prefix: string, options: { accessLog?: boolean; workers?: number } = {}): string {
  return `worker_processes ${options.workers ?? 1};
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log ${options.accessLog === false ? 'off' : `${prefix}/logs/access.log`};
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    default_type application/octet-stream;
${snippet}
}
`;
}

export interface Recorded {
  upstream: string;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
}

/**
 * Stand-in upstreams for routing checks: one HTTP listener per upstream name, recording what reaches it.
 * A request for /v1/authz/forward (the gateway's auth_request) is answered 200 with `authz` headers.
 */
export async function recordingUpstreams(names: string[], firstPort: number, authz: (req: IncomingMessage) => Record<string, string> = () => ({})) {
  const recorded: Recorded[] = [];
  const servers: Server[] = [];
  const ports = new Map<string, number>();
  let port = firstPort;
  for (const name of names) {
    const server = createServer((req, res) => {
      let bodyBytes = 0;
      req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
      req.on('end', () => {
        if (req.url?.startsWith('/v1/authz/forward')) {
          res.writeHead(200, authz(req));
          return res.end();
        }
        recorded.push({ upstream: name, method: req.method!, url: req.url!, headers: req.headers, bodyBytes });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ upstream: name }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    servers.push(server);
    ports.set(name, port++);
  }
  return {
    recorded,
    address: (name: string) => `127.0.0.1:${ports.get(name)}`,
    async close() {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
