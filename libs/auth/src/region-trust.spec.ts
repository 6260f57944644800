import { exportJWK, generateKeyPair, KeyLike, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { RegionalTokenVerifier } from './region-trust';
import { LocalKeySet, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens';

interface Keys {
  kid: string;
  privateKey: KeyLike;
  jwks: { keys: Record<string, unknown>[] };
}

async function keys(kid: string): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] } };
}

const sign = (k: Keys, sub: string, kid = k.kid) =>
  new SignJWT({ email: 'ada@example.com' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(sub)
    .setJti('t-1')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(k.privateKey);

describe('RegionalTokenVerifier: every region trusts its peers’ published keys', () => {
  let us: Keys;
  let eu: Keys;
  let rogue: Keys;
  let server: Server;
  let euUrl: string;
  let jwksRequests = 0;
  const local = new LocalKeySet();

  beforeAll(async () => {
    [us, eu, rogue] = await Promise.all([keys('us-1'), keys('eu-1'), keys('rogue-1')]);
    local.publish(us.jwks as never);
    server = createServer((req, res) => {
      jwksRequests++;
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(eu.jwks));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    euUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const verifier = () => new RegionalTokenVerifier({ local }, { peers: { eu: euUrl }, timeoutMs: 2000 });

  it("accepts this region's own tokens without asking any peer", async () => {
    const before = jwksRequests;
    await expect(verifier().verify(await sign(us, 'usr-us-0000000000000000000000000a'))).resolves.toMatchObject({ sub: 'usr-us-0000000000000000000000000a' });
    expect(jwksRequests).toBe(before);
  });

  it("accepts a peer's token for the peer's own account, fetching the peer's JWKS once", async () => {
    const v = verifier();
    await expect(v.verify(await sign(eu, 'usr-eu-0000000000000000000000000b'))).resolves.toMatchObject({ sub: 'usr-eu-0000000000000000000000000b' });
    const after = jwksRequests;
    await v.verify(await sign(eu, 'usr-eu-0000000000000000000000000b'));
    expect(jwksRequests).toBe(after); // cached
  });

  it('accepts a region-less (created before peering) subject from the region that signed it', async () => {
    await expect(verifier().verify(await sign(eu, 'usr-0000000000000000000000000c'))).resolves.toMatchObject({ sub: 'usr-0000000000000000000000000c' });
  });

  it("refuses a peer's token for an account whose home is another region", async () => {
    await expect(verifier().verify(await sign(eu, 'usr-us-0000000000000000000000000a'))).rejects.toThrow(/home is us/);
  });

  it('refuses a key id no region publishes', async () => {
    await expect(verifier().verify(await sign(rogue, 'usr-eu-0000000000000000000000000b'))).rejects.toThrow(/no region publishes/);
  });

  it("refuses a peer's kid with another key's signature", async () => {
    await expect(verifier().verify(await sign(rogue, 'usr-eu-0000000000000000000000000b', 'eu-1'))).rejects.toThrow(/signature/);
  });

  it('refuses a foreign kid when the peer is unreachable, and still accepts its own tokens', async () => {
    const v = new RegionalTokenVerifier({ local }, { peers: { eu: 'http://127.0.0.1:9' }, timeoutMs: 300 });
    await expect(v.verify(await sign(eu, 'usr-eu-0000000000000000000000000b'))).rejects.toThrow(/no region publishes/);
    await expect(v.verify(await sign(us, 'usr-us-0000000000000000000000000a'))).resolves.toMatchObject({ sub: 'usr-us-0000000000000000000000000a' });
  });

  it('with no peers it refuses a foreign key as the single-region verifier does', async () => {
    const v = new RegionalTokenVerifier({ local }, { peers: {}, timeoutMs: 300 });
    await expect(v.verify(await sign(eu, 'usr-eu-0000000000000000000000000b'))).rejects.toThrow();
  });
});
