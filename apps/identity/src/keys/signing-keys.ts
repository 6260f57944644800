import { exportJWK, generateKeyPair, importJWK, JWK, KeyLike, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@lib/auth';

interface StoredKey {
  kid: string;
  createdAt: string;
  privateJwk: JWK;
}

/**
 * Token signing keys (ES256), kept as JWK files (mode 0600) in a directory: the newest signs, all are
 * published in the JWKS document, so adding a key rotates signing without invalidating tokens in flight,
 * and removing an old key file (after the longest token lifetime) retires it.
 */
export class SigningKeys {
  private keys: (StoredKey & { privateKey: KeyLike; publicJwk: JWK })[] = [];

  constructor(private readonly dir: string) {}

  async load() {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let files = readdirSync(this.dir).filter((f) => f.endsWith('.jwk.json'));
    if (files.length === 0) {
      await this.generate();
      files = readdirSync(this.dir).filter((f) => f.endsWith('.jwk.json'));
    }
    const loaded = [];
    for (const file of files) {
      const stored = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as StoredKey;
      const privateKey = (await importJWK(stored.privateJwk, 'ES256')) as KeyLike;
      const { d: _d, ...publicJwk } = stored.privateJwk;
      loaded.push({ ...stored, privateKey, publicJwk: { ...publicJwk, kid: stored.kid, alg: 'ES256', use: 'sig' } });
    }
    this.keys = loaded.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return this;
  }

  /** writes a new key; it signs from the next load (restart) on */
  async generate(): Promise<string> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    const stored: StoredKey = { kid, createdAt: new Date().toISOString(), privateJwk: await exportJWK(privateKey) };
    const file = join(this.dir, `${kid}.jwk.json`);
    writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
    chmodSync(file, 0o600);
    return kid;
  }

  jwks() {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  async sign(claims: Record<string, unknown>, subject: string, ttlSeconds: number, tokenId: string) {
    const key = this.keys[0];
    if (!key) throw new Error('no signing key loaded');
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(subject)
      .setJti(tokenId)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(key.privateKey);
  }
}
