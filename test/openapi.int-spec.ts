import { existsSync, readFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApi } from '../scripts/openapi';
import { startApp } from './support/harness';

describe('OpenAPI document', () => {
  it('is committed and in sync with the code (run `npm run openapi` after changing an endpoint)', async () => {
    expect(existsSync(OPENAPI_FILE)).toBe(true);
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    const current = await renderOpenApi();
    expect(committed).toBe(current);
  });

  it('is served at /docs/openapi.json, with the UI at /docs', async () => {
    const app = await startApp();
    try {
      const json = await app.request('GET', '/docs/openapi.json');
      expect(json.status).toBe(200);
      expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/v1/organizations', '/v1/sessions', '/v1/authz/check', '/.well-known/jwks.json']));
      const ui = await app.request('GET', '/docs');
      expect(ui.status).toBe(200);
      expect(String(ui.body)).toContain('swagger');
      const live = await app.request('GET', '/health/live');
      expect(live.body.status).toBe('ok');
      const ready = await app.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(Object.keys(ready.body.details)).toEqual(
        expect.arrayContaining(['identity.store', 'identity.bus', 'organization.store', 'organization.read-models']),
      );
    } finally {
      await app.close();
    }
  });

  it('reports not ready with 503 when a dependency is down', async () => {
    const app = await startApp();
    try {
      await app.organization.store.close();
      const ready = await app.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.details['organization.store']).toMatchObject({ status: 'down', reason: 'event store is closed' });
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
