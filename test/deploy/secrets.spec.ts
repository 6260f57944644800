import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEPLOY, K8S, REGIONS, renderOverlay, SECRET_NAME, SECRET_VARIABLES, SERVICES } from './support/deploy';
import { containersOf, K8sObject, parseEnvFile, parseYamlDocs, podSpecs } from './support/kustomize';

const EXAMPLE = join(K8S, 'secret.example.yaml');
const PLACEHOLDER = /^REPLACE_ME\b/;

/** every file under deploy/ (symlinks are skipped: they point at files that are scanned themselves) */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return [];
    return stat.isDirectory() ? files(path) : [path];
  });
}

/** `NAME=value` / `NAME: value` of a secret variable with a value that is not a placeholder or a shell expansion */
function secretAssignments(text: string): string[] {
  const found: string[] = [];
  const re = new RegExp(`\\b(${SECRET_VARIABLES.join('|')})\\b["']?[ \\t]*[:=][ \\t]*([^\\s#]*)`, 'g');
  for (const m of text.matchAll(re)) {
    const value = m[2].replace(/^["']/, '');
    const allowed = value === '' || PLACEHOLDER.test(value) || /^(\$\(|\$\{|<|\||>)/.test(value);
    if (!allowed) found.push(m[0]);
  }
  return found;
}

/** strings that look like key material: long base64 / base64url with mixed characters, long hex, PEM blocks */
function keyLikeStrings(text: string): string[] {
  const found: string[] = [];
  if (/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/.test(text)) found.push('a PEM block');
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]{32,}={0,2}/g)) {
    const s = m[0];
    const preceded = text.slice(Math.max(0, m.index! - 7), m.index);
    if (preceded.endsWith('sha256:')) continue; // image digests
    const hex = /^[0-9a-fA-F]+$/.test(s) && /[0-9]/.test(s) && /[a-fA-F]/.test(s);
    const mixed = /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s);
    if (hex || mixed) found.push(s);
  }
  return found;
}

describe('no secret value is committed under deploy/', () => {
  const all = files(DEPLOY);

  it('finds the files it scans', () => {
    const names = all.map((f) => relative(DEPLOY, f));
    expect(names).toEqual(expect.arrayContaining(['README.md', 'k8s/secret.example.yaml', 'k8s/overlays/eu/region.env', 'k8s/base/identity.yaml']));
  });

  it('the scanners catch what they are for', () => {
    expect(secretAssignments('OPERATOR_TOKEN=an-operator-token-that-is-long-enough')).toHaveLength(1);
    expect(secretAssignments('  S3_SECRET_KEY: "minio123"')).toHaveLength(1);
    expect(secretAssignments('--from-literal=SECRETS_MASTER_KEY="$(openssl rand -base64 32)"')).toEqual([]);
    expect(secretAssignments('  OPERATOR_TOKEN: REPLACE_ME')).toEqual([]);
    expect(keyLikeStrings(`SECRETS_MASTER_KEY=${randomBytes(32).toString('base64')}`)).toHaveLength(1);
    expect(keyLikeStrings(`token ${randomBytes(24).toString('hex')}`)).toHaveLength(1);
    expect(keyLikeStrings(`op_${randomBytes(32).toString('base64url')}`)).toHaveLength(1);
    expect(keyLikeStrings('IDENTITY_KURRENTDB_CONNECTION_STRING=kurrentdb://kurrentdb-identity.ocp-eu.svc.cluster.local:2113')).toEqual([]);
    expect(keyLikeStrings(`image: x@sha256:${'ab12'.repeat(16)}`)).toEqual([]);
  });

  it.each(SECRET_VARIABLES)('%s is never assigned a literal value in any file', (name) => {
    const offending = all.flatMap((f) => secretAssignments(readFileSync(f, 'utf8')).filter((a) => a.includes(name)).map((a) => `${relative(DEPLOY, f)}: ${a}`));
    expect(offending).toEqual([]);
  });

  it('no file holds something that looks like a key or a token', () => {
    const offending = all.flatMap((f) => keyLikeStrings(readFileSync(f, 'utf8')).map((s) => `${relative(DEPLOY, f)}: ${s.slice(0, 12)}…`));
    expect(offending).toEqual([]);
  });

  it.each(REGIONS)('%s: the region env file sets no secret variable (they come from the Secret)', (region) => {
    const keys = Object.keys(parseEnvFile(join(K8S, 'overlays', region, 'region.env')));
    expect(keys.filter((k) => (SECRET_VARIABLES as readonly string[]).some((s) => k === s || k.endsWith(`_${s}`)))).toEqual([]);
  });

  it('no manifest under deploy/k8s gives a secret variable a value: only valueFrom.secretKeyRef', () => {
    const offending: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (Array.isArray(node)) node.forEach((n) => walk(n, where));
      else if (node && typeof node === 'object') {
        const o = node as K8sObject;
        if (SECRET_VARIABLES.includes(o.name) && 'value' in o) offending.push(`${where}: ${o.name} has a value`);
        if (SECRET_VARIABLES.includes(o.name) && o.valueFrom && !o.valueFrom.secretKeyRef) offending.push(`${where}: ${o.name} is not from a Secret`);
        Object.values(o).forEach((v) => walk(v, where));
      }
    };
    for (const f of all.filter((f) => /\.ya?ml$/.test(f))) {
      for (const doc of parseYamlDocs(f)) {
        walk(doc, relative(DEPLOY, f));
        if (doc.kind === 'Secret' && f !== EXAMPLE) offending.push(`${relative(DEPLOY, f)}: a Secret manifest (only secret.example.yaml may show one)`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('deploy/k8s/secret.example.yaml', () => {
  const [example] = parseYamlDocs(EXAMPLE);

  it('shows the Secret with placeholders only', () => {
    expect(example.kind).toBe('Secret');
    expect(example.metadata.name).toBe(SECRET_NAME);
    expect(example.data).toBeUndefined();
    for (const [key, value] of Object.entries(example.stringData as Record<string, string>)) expect({ key, value }).toEqual({ key, value: 'REPLACE_ME' });
  });

  it('has exactly the keys the rendered manifests read, all from that one Secret', () => {
    const refs = new Set<string>();
    for (const region of REGIONS) {
      for (const r of renderOverlay(region).resources) {
        for (const c of podSpecs(r).flatMap(containersOf)) {
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (!ref) continue;
            expect({ env: e.name, secret: ref.name }).toEqual({ env: e.name, secret: SECRET_NAME });
            refs.add(ref.key);
          }
          expect((c.envFrom ?? []).filter((f: K8sObject) => f.secretRef)).toEqual([]);
        }
        expect(r.kind).not.toBe('Secret');
      }
    }
    expect([...refs].sort()).toEqual(Object.keys(example.stringData).sort());
    expect([...refs].sort()).toEqual([...SECRET_VARIABLES].sort());
  });

  it('is not applied by kustomize (no kustomization lists it)', () => {
    const kustomizations = files(K8S).filter((f) => /kustomization\.ya?ml$/.test(f));
    expect(kustomizations.length).toBe(1 + REGIONS.length);
    for (const k of kustomizations) expect(JSON.stringify(parseYamlDocs(k)[0].resources ?? [])).not.toContain('secret.example');
  });

  it('every service that needs a secret reads it: organization the master key, app-packaging the S3 keys, all the operator token', () => {
    const reads = (service: string) =>
      new Set(
        renderOverlay('us')
          .resources.find((r) => r.kind === 'Deployment' && r.metadata.name === service)!
          .spec.template.spec.containers[0].env.filter((e: K8sObject) => e.valueFrom?.secretKeyRef)
          .map((e: K8sObject) => e.name),
      );
    for (const s of SERVICES) expect(reads(s).has('OPERATOR_TOKEN')).toBe(true);
    for (const s of SERVICES) expect(reads(s).has('PGPASSWORD')).toBe(true);
    expect(reads('organization').has('SECRETS_MASTER_KEY')).toBe(true);
    expect([...reads('app-packaging')].sort()).toEqual(['OPERATOR_TOKEN', 'PGPASSWORD', 'S3_ACCESS_KEY', 'S3_SECRET_KEY']);
    // identity: TOTP sealing key (docs/mfa.md); with peer regions, its peer credential and the peers' (docs/regions.md)
    expect([...reads('identity')].sort()).toEqual(['MFA_MASTER_KEY', 'OPERATOR_TOKEN', 'PGPASSWORD', 'REGION_PEER_TOKEN', 'SERVICE_TOKENS']);
  });
});
