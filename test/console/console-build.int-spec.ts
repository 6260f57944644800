import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_LOAD_BUDGET_BYTES, firstLoadJs } from '../../scripts/console-bundle-size';
import { CONSOLE_CSP } from '../../libs/platform/src/console-static';
import { startApp, TestApp } from '../support/harness';
import { buildConsole } from './support';

describe('the built Console', () => {
  let dir: string;
  let app: TestApp;

  beforeAll(async () => {
    dir = buildConsole();
    app = await startApp({ CONSOLE_DIR: dir });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`loads under ${FIRST_LOAD_BUDGET_BYTES / 1024} KB of JavaScript, gzip-compressed, on first visit`, () => {
    const { files, gzipTotal } = firstLoadJs(dir);
    expect(files.length).toBeGreaterThan(0);
    expect(gzipTotal).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
  });

  it('loads nothing from another origin (no CDN, no font service)', () => {
    const assets = readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.css'));
    for (const file of ['index.html', ...assets.map((a) => `assets/${a}`)]) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect({ file, external: text.match(/(?:src|href)="(?:https?:)?\/\/[^"]+"|url\((?:['"])?(?:https?:)?\/\/[^)]+\)|@import/g) ?? [] }).toEqual({ file, external: [] });
    }
  });

  it('is served by the standalone at `/` with a policy that allows only its own origin, next to the API', async () => {
    const index = await app.request('GET', '/');
    expect(index.status).toBe(200);
    expect(String(index.headers['content-type'])).toContain('text/html');
    expect(index.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(index.headers['cache-control']).toBe('no-cache');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(String(index.body))![1];
    const asset = await app.request('GET', `/${script}`);
    expect(asset.status).toBe(200);
    expect(String(asset.headers['content-type'])).toContain('javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    // the API and its problem details are untouched
    const unknown = await app.request('GET', '/no-such-page');
    expect(unknown.status).toBe(404);
    expect(String(unknown.headers['content-type'])).toContain('application/problem+json');
    expect((await app.request('GET', '/v1/permissions')).status).toBe(200);
    expect((await app.request('GET', '/docs/openapi.json')).status).toBe(200);
  });

  it("sends the invitation mail's link (`/invitations/<id>?token=…`) to the Console's page for it; odd shapes get a 404 problem", async () => {
    const link = await app.request('GET', '/invitations/inv-abc_123?token=iv_inv-abc_123.c2lnbmF0dXJl-x_y');
    expect(link.status).toBe(302);
    expect(link.headers.location).toBe('/?token=iv_inv-abc_123.c2lnbmF0dXJl-x_y#/invitations/inv-abc_123');
    expect(link.headers['cache-control']).toBe('no-store');
    for (const path of ['/invitations/usr-1?token=x', '/invitations/inv-1?token=%22%3E%3Cscript%3E', '/invitations/inv-1?token=a&token=b', '/invitations/inv-1%2F..%2Fx']) {
      const bad = await app.request('GET', path);
      expect({ path, status: bad.status, type: String(bad.headers['content-type']) }).toEqual({ path, status: 404, type: expect.stringContaining('application/problem+json') });
    }
  });

  it('is not served when no build is there (the API runs alone)', async () => {
    const bare = await startApp({ CONSOLE_DIR: join(dir, 'missing') });
    try {
      expect((await bare.request('GET', '/')).status).toBe(404);
      expect((await bare.request('GET', '/v1/permissions')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
