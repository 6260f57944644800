/**
 * A small kustomize, enough for deploy/k8s: it reads kustomization.yaml, its `resources` (files and
 * directories), `configMapGenerator` (envs, literals), `namespace`, `commonLabels` / `labels` and `images`,
 * and fixes references to generated ConfigMaps (name + content hash, computed like kustomize v5 does). It
 * refuses any field it does not know, so it never silently renders something else than kustomize would.
 *
 * It is the primary path of test/deploy (CI machines have no kustomize binary); when a `kustomize` binary is
 * on PATH (or KUSTOMIZE names one), kustomize.spec.ts also compares its output with this one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = Record<string, any>;

export interface Rendered {
  resources: K8sObject[];
  /** generated ConfigMaps: name as written in kustomization.yaml → name with the hash suffix */
  generated: Map<string, string>;
}

const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'commonLabels',
  'labels',
  'configMapGenerator',
  'generatorOptions',
  'images',
]);

/** kinds the namespace transformer leaves alone */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

export function renderKustomization(dir: string): Rendered {
  const root = resolve(dir);
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(root, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`${root}: no kustomization.yaml`);
  const k = parseYamlDocs(file)[0] ?? {};
  for (const field of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(field)) throw new Error(`${file}: field "${field}" is not supported by test/deploy/support/kustomize.ts`);
  }

  const resources: K8sObject[] = [];
  const generated = new Map<string, string>();
  for (const entry of (k.resources ?? []) as string[]) {
    const path = resolve(root, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const sub = renderKustomization(path);
      resources.push(...sub.resources);
      for (const [from, to] of sub.generated) generated.set(from, to);
    } else {
      assertLoadable(root, path, file);
      resources.push(...parseYamlDocs(path));
    }
  }

  const globalOptions = (k.generatorOptions ?? {}) as { disableNameSuffixHash?: boolean };
  for (const gen of (k.configMapGenerator ?? []) as K8sObject[]) {
    for (const field of Object.keys(gen)) {
      if (!['name', 'envs', 'literals', 'options'].includes(field)) throw new Error(`${file}: configMapGenerator field "${field}" is not supported`);
    }
    const data: Record<string, string> = {};
    for (const env of (gen.envs ?? []) as string[]) {
      const path = resolve(root, env);
      assertLoadable(root, path, file);
      Object.assign(data, parseEnvFile(path));
    }
    for (const literal of (gen.literals ?? []) as string[]) {
      const at = literal.indexOf('=');
      if (at < 1) throw new Error(`${file}: literal ${literal} is not KEY=VALUE`);
      data[literal.slice(0, at)] = literal.slice(at + 1);
    }
    const sortedData = Object.fromEntries(Object.keys(data).sort().map((key) => [key, data[key]]));
    const noHash = gen.options?.disableNameSuffixHash ?? globalOptions.disableNameSuffixHash ?? false;
    const name = noHash ? gen.name : `${gen.name}-${configMapHash(sortedData)}`;
    generated.set(gen.name, name);
    resources.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: sortedData });
  }

  if (k.namespace) {
    for (const r of resources) if (!CLUSTER_SCOPED.has(r.kind)) (r.metadata ??= {}).namespace = k.namespace;
  }
  if (k.commonLabels) applyLabels(resources, k.commonLabels as Record<string, string>, true, true);
  for (const entry of (k.labels ?? []) as K8sObject[]) {
    for (const field of Object.keys(entry)) {
      if (!['pairs', 'includeSelectors', 'includeTemplates'].includes(field)) throw new Error(`${file}: labels field "${field}" is not supported`);
    }
    applyLabels(resources, entry.pairs, entry.includeSelectors === true, entry.includeSelectors === true || entry.includeTemplates === true);
  }
  for (const image of (k.images ?? []) as K8sObject[]) applyImage(resources, image);
  for (const r of resources) for (const pod of podSpecs(r)) renameConfigMapRefs(pod, generated);
  return { resources, generated };
}

/** kustomize's default load restrictor: files must be in or below the kustomization's directory (symlinks resolved) */
function assertLoadable(root: string, path: string, file: string) {
  const real = realpathSync(path);
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new Error(`${file}: security; file '${real}' is not in or below '${realRoot}' (kustomize refuses it too)`);
  }
}

export function parseYamlDocs(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null && d !== undefined);
}

/** kustomize's env file format: KEY=VALUE per line, '#' comments; the value is taken as it is (no quotes) */
export function parseEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.replace(/^\s+/, '');
      if (line === '' || line.startsWith('#')) return;
      const at = line.indexOf('=');
      // a line without '=' takes its value from the environment of whoever runs kustomize: refused here
      if (at < 1) throw new Error(`${path}:${i + 1}: expected KEY=VALUE, got ${JSON.stringify(raw)}`);
      const key = line.slice(0, at);
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) throw new Error(`${path}:${i + 1}: ${key} is not a valid variable name`);
      if (key in out) throw new Error(`${path}:${i + 1}: ${key} is set twice`);
      out[key] = line.slice(at + 1);
    });
  return out;
}

/**
 * The suffix kustomize v5 appends to a generated ConfigMap's name: sha256 of the JSON of
 * {data, kind, name} (Go's json.Marshal: sorted keys, HTML characters escaped), first 10 hex digits with
 * 0,1,3,a,e replaced. kustomize looks the name up with the path "metadata/name" as a single field, finds
 * nothing and hashes an empty name: so does this.
 */
export function configMapHash(data: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.keys(data).sort().map((key) => [key, data[key]]));
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name: '' }).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const hex = createHash('sha256').update(json).digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

function applyLabels(resources: K8sObject[], pairs: Record<string, string>, selectors: boolean, templates: boolean) {
  const put = (holder: K8sObject, key: string) => ((holder[key] ??= {}), Object.assign(holder[key], pairs));
  for (const r of resources) {
    put((r.metadata ??= {}), 'labels');
    if (WORKLOADS.has(r.kind)) {
      if (selectors) put(((r.spec ??= {}).selector ??= {}), 'matchLabels');
      if (templates) put(((r.spec.template ??= {}).metadata ??= {}), 'labels');
    } else if (r.kind === 'Job') {
      if (templates) put(((r.spec.template ??= {}).metadata ??= {}), 'labels');
    } else if (r.kind === 'CronJob') {
      if (templates) put(((r.spec.jobTemplate.spec.template ??= {}).metadata ??= {}), 'labels');
    } else if (r.kind === 'Service') {
      if (selectors) put((r.spec ??= {}), 'selector');
    } else if (r.kind === 'PodDisruptionBudget') {
      // kustomize's commonLabels field specs: policy/PodDisruptionBudget spec/selector/matchLabels (create: false)
      if (selectors && r.spec?.selector?.matchLabels) put(r.spec.selector, 'matchLabels');
    }
  }
}

/** pod specs of a workload */
export function podSpecs(r: K8sObject): K8sObject[] {
  if (WORKLOADS.has(r.kind) || r.kind === 'Job') return r.spec?.template?.spec ? [r.spec.template.spec] : [];
  if (r.kind === 'CronJob') return r.spec?.jobTemplate?.spec?.template?.spec ? [r.spec.jobTemplate.spec.template.spec] : [];
  if (r.kind === 'Pod') return r.spec ? [r.spec] : [];
  return [];
}

export function containersOf(pod: K8sObject): K8sObject[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}

function applyImage(resources: K8sObject[], image: K8sObject) {
  for (const r of resources) {
    for (const c of podSpecs(r).flatMap(containersOf)) {
      const match = /^(.*?)(?::([^:/@]+))?(?:@(.+))?$/.exec(c.image as string)!;
      if (match[1] !== image.name) continue;
      const name = image.newName ?? match[1];
      c.image = image.digest ? `${name}@${image.digest}` : `${name}:${image.newTag ?? match[2] ?? 'latest'}`;
    }
  }
}

function renameConfigMapRefs(pod: K8sObject, generated: Map<string, string>) {
  const rename = (ref: K8sObject | undefined) => {
    if (ref?.name !== undefined && generated.has(ref.name)) ref.name = generated.get(ref.name);
  };
  for (const c of containersOf(pod)) {
    for (const from of c.envFrom ?? []) rename(from.configMapRef);
    for (const e of c.env ?? []) rename(e.valueFrom?.configMapKeyRef);
  }
  for (const v of pod.volumes ?? []) {
    rename(v.configMap);
    for (const s of v.projected?.sources ?? []) rename(s.configMap);
  }
}

/** the kustomize binary: $KUSTOMIZE, or `kustomize` on PATH; undefined when there is none */
export function findKustomizeBinary(): string | undefined {
  const candidates = [process.env.KUSTOMIZE, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'kustomize'))];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

export function kustomizeBuild(binary: string, dir: string): K8sObject[] {
  const out = execFileSync(binary, ['build', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: dirname(dir) });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null && d !== undefined);
}

export const resourceKey = (r: K8sObject) => `${r.kind}/${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`;

export function findResource(resources: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return resources.find((r) => r.kind === kind && r.metadata?.name === name);
}
