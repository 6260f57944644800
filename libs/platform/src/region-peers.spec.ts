import { ConfigError, loadConfig, baseConfigSchema } from './config';

const load = (env: Record<string, string>) => loadConfig(baseConfigSchema, env);
const token = 'p'.repeat(40);

describe('REGION_PEERS and REGION_PEER_TOKEN (validated at boot)', () => {
  it('unset: no peers, the stack is alone', () => {
    expect(load({}).REGION_PEERS).toEqual({});
  });

  it('parses region=url pairs, trimming trailing slashes', () => {
    const config = load({ REGION: 'us', REGION_PEERS: 'eu=http://127.0.0.1:3100/, apac=https://apac.example.com', REGION_PEER_TOKEN: token });
    expect(config.REGION_PEERS).toEqual({ eu: 'http://127.0.0.1:3100', apac: 'https://apac.example.com' });
  });

  it.each([
    ['mars=http://x.example', /each peer is region=url/],
    ['eu', /each peer is region=url/],
    ['eu=not a url', /is not a URL/],
    ['eu=ftp://x.example', /must be http\(s\)/],
    ['eu=http://user:pw@x.example', /without credentials/],
    ['eu=http://x.example/?a=1', /without credentials, query or fragment/],
    ['eu=http://a.example,eu=http://b.example', /listed twice/],
  ])('refuses %s', (value, message) => {
    expect(() => load({ REGION: 'us', REGION_PEERS: value, REGION_PEER_TOKEN: token })).toThrow(message);
  });

  it("refuses its own region as a peer, naming the variable", () => {
    expect(() => load({ REGION: 'eu', REGION_PEERS: 'eu=http://x.example', REGION_PEER_TOKEN: token })).toThrow(
      /REGION_PEERS: lists this stack's own region eu/,
    );
  });

  it('organization and app-packaging need no peer token (they only read the peers\' JWKS); a given one is at least 32 characters', () => {
    expect(load({ REGION: 'us', REGION_PEERS: 'eu=http://x.example' }).REGION_PEERS).toEqual({ eu: 'http://x.example' });
    expect(() => load({ REGION: 'us', REGION_PEERS: 'eu=http://x.example', REGION_PEER_TOKEN: 'short' })).toThrow(ConfigError);
  });
});
