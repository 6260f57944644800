import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayTemplate, mainConf, recordingUpstreams, renderGateway } from './support/gateway-nginx';
import { startNginx } from '../support/real-nginx';
import { send } from '../support/http-client';
import { CONSOLE_CSP } from '../../libs/platform/src/console-static';

jest.setTimeout(60_000);

const PORT = Number(process.env.GATEWAY_CONSOLE_PORT ?? 23181);
const UPSTREAM_PORT = Number(process.env.GATEWAY_CONSOLE_UPSTREAM_PORT ?? 23190);

/**
 * The gateway serves the Console's static files (deploy/gateway/templates/default.conf.template), on the real nginx:
 * `/` is index.html with the Console's policy, /assets/ are immutable, and the invitation mail's link is redirected to
 * the Console's page for it. The files here stand in for a build (the Console's own build is checked by
 * test/console/console-build.int-spec.ts); the root is the template's, moved under a temporary directory.
 */
describe('the gateway serves the Console (real nginx)', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'ocp-gateway-console-'));
  chmodSync(prefix, 0o755);
  const consoleDir = join(prefix, 'console');
  let gateway: { stop(): Promise<void> };
  let upstreams: Awaited<ReturnType<typeof recordingUpstreams>>;

  beforeAll(async () => {
    mkdirSync(join(consoleDir, 'assets'), { recursive: true });
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>Console</title><script type="module" src="./assets/index-abc.js"></script>');
    writeFileSync(join(consoleDir, 'assets', 'index-abc.js'), 'console.log("console");');
    // nginx's workers (nobody, when run as root) read them: readable whatever the umask of the run
    for (const dir of [consoleDir, join(consoleDir, 'assets')]) chmodSync(dir, 0o755);
    for (const file of ['index.html', join('assets', 'index-abc.js')]) chmodSync(join(consoleDir, file), 0o644);
    upstreams = await recordingUpstreams(['us-identity', 'us-organization', 'us-app-packaging', 'eu-identity', 'eu-organization', 'eu-app-packaging', 'apac-identity', 'apac-organization', 'apac-app-packaging'], UPSTREAM_PORT);
    const template = gatewayTemplate();
    expect(template).toContain('root /usr/share/nginx/console;');
    const rendered = renderGateway('us', PORT, upstreams.address, template.replace(/root \/usr\/share\/nginx\/console;/g, `root ${consoleDir};`));
    gateway = await startNginx(mainConf(rendered, join(prefix, 'nginx')), { prefix: join(prefix, 'nginx') });
  });

  afterAll(async () => {
    await gateway?.stop();
    await upstreams?.close();
    rmSync(prefix, { recursive: true, force: true });
  });

  it('serves index.html at `/` with the same policy as the standalone, and the hashed assets as immutable', async () => {
    const index = await send(PORT, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>Console</title>');
    expect(index.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const asset = await send(PORT, 'GET', '/assets/index-abc.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await send(PORT, 'GET', '/assets/missing.js')).status).toBe(404);
    expect((await send(PORT, 'GET', '/index.html')).status).toBe(404); // only `/`: nothing else of the directory
    expect(upstreams.recorded).toEqual([]);
  });

  it("redirects the invitation mail's link to the Console's page for it; other shapes get a 404", async () => {
    const link = await send(PORT, 'GET', '/invitations/inv-abc_123?token=iv_inv-abc_123.c2lnbmF0dXJl-x_y');
    expect(link.status).toBe(302);
    expect(String(link.headers.location)).toMatch(/^(http:\/\/[^/]+)?\/\?token=iv_inv-abc_123\.c2lnbmF0dXJl-x_y#\/invitations\/inv-abc_123$/);
    expect(link.headers['cache-control']).toBe('no-store');
    for (const path of ['/invitations/usr-1?token=abc', '/invitations/inv-1?token=%22%3E%3Cscript%3E', '/invitations/inv-1', '/invitations/inv-1/x?token=abc']) {
      const bad = await send(PORT, 'GET', path);
      expect({ path, status: bad.status }).toEqual({ path, status: 404 });
    }
    expect(upstreams.recorded).toEqual([]);
  });
});
