import { PackageSigner, parseTrustedKeys, verifyPackageSignature } from './package-signing';

const manifest = Buffer.from('{"formatVersion":1}');
const claims = { appKey: 'app-1', source: { organizationId: 'org-us-1', organizationName: 'Acme', region: 'us' as const } };

describe('package signatures', () => {
  const us = PackageSigner.generate('us');
  const eu = PackageSigner.generate('eu');
  const trusted = parseTrustedKeys(JSON.stringify({ keys: [us.publicJwk(), eu.publicJwk()] }));

  it('verifies a signature of a trusted key and returns the signed origin', () => {
    const check = verifyPackageSignature(us.sign(manifest, claims), manifest, trusted);
    expect(check).toMatchObject({ verified: true, kid: us.kid, payload: { appKey: 'app-1', source: claims.source } });
  });

  it('keeps the kid stable for the same key (a PEM round trip)', () => {
    expect(PackageSigner.fromPem(us.pem(), 'us').kid).toBe(us.kid);
  });

  it.each([
    ['no signature', () => verifyPackageSignature(null, manifest, trusted), 'unsigned'],
    ['an unknown key', () => verifyPackageSignature(PackageSigner.generate('us').sign(manifest, claims), manifest, trusted), 'unknown-signer'],
    ['a changed manifest', () => verifyPackageSignature(us.sign(manifest, claims), Buffer.from('{"formatVersion":1 }'), trusted), 'manifest-mismatch'],
    ['a key of another region claiming us', () => verifyPackageSignature(eu.sign(manifest, claims), manifest, trusted), 'region-mismatch'],
    ['garbage', () => verifyPackageSignature('not.a.jws!', manifest, trusted), 'malformed'],
    [
      'a payload edited after signing',
      () => {
        const [h, , s] = us.sign(manifest, claims).split('.');
        const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(us.sign(manifest, claims).split('.')[1], 'base64url').toString()), source: { ...claims.source, organizationName: 'Forged' } })).toString('base64url');
        return verifyPackageSignature(`${h}.${forged}.${s}`, manifest, trusted);
      },
      'bad-signature',
    ],
  ])('refuses %s', (_what, check, reason) => {
    expect(check()).toMatchObject({ verified: false, reason });
  });

  it('refuses a trusted-keys document without regions', () => {
    const { region: _r, ...jwk } = us.publicJwk();
    expect(() => parseTrustedKeys(JSON.stringify({ keys: [jwk] }))).toThrow(/region/);
  });
});
