import { allStrings, CONFIG_MAP_NAME, REGIONS, renderOverlay, words } from './support/deploy';
import { findResource } from './support/kustomize';

/** the infrastructure a stack talks to, from its ConfigMap: every address must be its own region's */
function infrastructure(region: string) {
  const { resources, generated } = renderOverlay(region);
  const data = findResource(resources, 'ConfigMap', generated.get(CONFIG_MAP_NAME)!)!.data as Record<string, string>;
  const stores = Object.entries(data).filter(([k]) => /(^|_)(KURRENTDB_CONNECTION_STRING|POSTGRES_URL)$/.test(k));
  return {
    data,
    hosts: {
      KAFKA_BROKERS: data.KAFKA_BROKERS.split(',').map((b) => b.trim().replace(/:\d+$/, '')),
      ...Object.fromEntries(stores.map(([k, v]) => [k, v.replace(/^[a-z+]+:\/\/(?:[^@/]*@)?/, '').split(/[/?]/)[0].split(',').map((h) => h.replace(/:\d+$/, ''))])),
      S3_ENDPOINT: [new URL(data.S3_ENDPOINT).hostname],
      JWKS_URL: [new URL(data.JWKS_URL).hostname],
    } as Record<string, string[]>,
    storeKeys: stores.map(([k]) => k),
  };
}

describe('one stack per region: no region points at another region\'s infrastructure', () => {
  it.each(REGIONS)('%s: Kafka, the PostgreSQL server, the S3 endpoint and the JWKS URL are hosts of this region (ocp-<region>)', (region) => {
    const { hosts, storeKeys } = infrastructure(region);
    expect(storeKeys.sort()).toEqual(['POSTGRES_URL']);
    const others = REGIONS.filter((r) => r !== region);
    const problems: string[] = [];
    for (const [variable, list] of Object.entries(hosts)) {
      for (const host of list) {
        if (!words(host).includes(region)) problems.push(`${variable}: ${host} does not name region ${region}`);
        for (const other of others) if (words(host).includes(other)) problems.push(`${variable}: ${host} names region ${other}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(REGIONS)('%s: the bucket is this region\'s', (region) => {
    const bucket = infrastructure(region).data.S3_BUCKET;
    expect(words(bucket)).toContain(region);
    for (const other of REGIONS.filter((r) => r !== region)) expect(words(bucket)).not.toContain(other);
  });

  it.each(REGIONS)('%s: JWKS_URL is this region\'s identity Service, on its port', (region) => {
    const { resources } = renderOverlay(region);
    const url = new URL(infrastructure(region).data.JWKS_URL);
    const identity = findResource(resources, 'Service', 'identity')!;
    expect(url.pathname).toBe('/.well-known/jwks.json');
    expect(url.hostname.split('.').slice(0, 2)).toEqual(['identity', identity.metadata.namespace]);
    expect(Number(url.port)).toBe(identity.spec.ports[0].port);
  });

  it.each(REGIONS)('%s: nothing in the rendered manifests names another region', (region) => {
    const others = REGIONS.filter((r) => r !== region);
    // REGION_PEERS is the one value that names the other regions: their public gateways (docs/regions.md)
    const peers = infrastructure(region).data.REGION_PEERS;
    const strings = allStrings(renderOverlay(region).resources).filter((s) => s !== peers);
    const offending = strings.filter((s) => others.some((o) => words(s).includes(o) || s.includes(`ocp-${o}`)));
    expect(offending).toEqual([]);
  });

  it.each(REGIONS)('%s: REGION_PEERS lists every other region by its public address, never its internal services', (region) => {
    const peers = infrastructure(region).data.REGION_PEERS.split(',').map((p) => p.split('='));
    expect(peers.map(([r]) => r).sort()).toEqual(REGIONS.filter((r) => r !== region).sort());
    for (const [, url] of peers) {
      expect(new URL(url).protocol).toBe('https:');
      expect(url).not.toMatch(/svc\.cluster\.local|ocp-/);
    }
  });

  it('no two regions share an address, a bucket or a namespace', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const region of REGIONS) {
      const { hosts, data } = infrastructure(region);
      const values = [...Object.values(hosts).flat(), data.S3_BUCKET, ...new Set(renderOverlay(region).resources.map((r) => `namespace ${r.metadata.namespace}`))];
      for (const v of new Set(values)) {
        if (seen.has(v)) clashes.push(`${v}: ${seen.get(v)} and ${region}`);
        seen.set(v, region);
      }
    }
    expect(clashes).toEqual([]);
  });
});
