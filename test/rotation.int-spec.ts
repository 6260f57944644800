import { decodeJwt, decodeProtectedHeader } from 'jose';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKeys } from '../apps/identity/src/keys/signing-keys';
import { Flow } from './support/flow';
import { OPERATOR_TOKEN, startApp } from './support/harness';

jest.setTimeout(60_000);

describe('rotations (docs/runbook.md)', () => {
  it('rotates the token signing key without logging anyone out', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ocp-rotate-'));
    let app = await startApp({}, dataDir);
    await new Flow(app).user('ada@example.com');
    const session = (await app.request('POST', '/v1/sessions', { body: { email: 'ada@example.com', password: 'correct horse battery staple' } })).body;
    const oldKid = decodeProtectedHeader(session.accessToken).kid;
    await app.close({ keepData: true });

    // the operator adds a key (then restarts identity, one instance at a time)
    const newKid = await new SigningKeys(join(dataDir, 'identity', 'keys')).load().then((k) => k.generate());
    app = await startApp({}, dataDir);
    try {
      const jwks = (await app.request('GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
      expect(jwks).toEqual(expect.arrayContaining([oldKid, newKid]));
      // the token signed with the old key still works, the refresh token too, and new tokens use the new key
      expect((await app.request('GET', '/v1/me', { token: session.accessToken })).status).toBe(200);
      const refreshed = await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: session.refreshToken } });
      expect(refreshed.status).toBe(200);
      expect(decodeProtectedHeader(refreshed.body.accessToken).kid).toBe(newKid);
      expect(decodeJwt(refreshed.body.accessToken).sub).toBe(session.user.id);
    } finally {
      await app.close();
    }
  });

  it('accepts the previous operator token during a rotation, and only the new one after', async () => {
    const NEW = 'op-new-token-0123456789-abcdefghijklmnopq';
    const during = await startApp({ OPERATOR_TOKEN: NEW, OPERATOR_TOKEN_PREVIOUS: OPERATOR_TOKEN });
    try {
      expect((await during.request('GET', '/v1/organizations', { token: OPERATOR_TOKEN })).status).toBe(200);
      expect((await during.request('GET', '/v1/organizations', { token: NEW })).status).toBe(200);
    } finally {
      await during.close();
    }
    const after = await startApp({ OPERATOR_TOKEN: NEW });
    try {
      expect((await after.request('GET', '/v1/organizations', { token: OPERATOR_TOKEN })).status).toBe(401);
      expect((await after.request('GET', '/v1/organizations', { token: NEW })).status).toBe(200);
    } finally {
      await after.close();
    }
  });
});
