/** What test/deploy knows about deploy/: where things are, and how a container's environment resolves. */
import { join } from 'node:path';
import { REGIONS } from '@lib/contracts';
import { SERVICE_REQUIRED_ENV as IDENTITY_ENV, SERVICE_TOPICS as IDENTITY_TOPICS } from '../../../apps/identity/src/service';
import { SERVICE_REQUIRED_ENV as ORGANIZATION_ENV, ORGANIZATION_TOPICS } from '../../../apps/organization/src/service';
import { SERVICE_REQUIRED_ENV as PACKAGING_ENV, SERVICE_TOPICS as PACKAGING_TOPICS } from '../../../apps/app-packaging/src/service';
import { findResource, K8sObject, Rendered, renderKustomization } from './kustomize';

export const ROOT = join(__dirname, '..', '..', '..');
export const DEPLOY = join(ROOT, 'deploy');
export const K8S = join(DEPLOY, 'k8s');
export const overlayDir = (region: string) => join(K8S, 'overlays', region);
export const regionEnvFile = (region: string) => join(DEPLOY, 'regions', `${region}.env`);

export { REGIONS };
export type Region = (typeof REGIONS)[number];

export const SERVICES = ['identity', 'organization', 'app-packaging'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const REQUIRED_ENV: Record<ServiceName, readonly string[]> = {
  identity: IDENTITY_ENV,
  organization: ORGANIZATION_ENV,
  'app-packaging': PACKAGING_ENV,
};

/** every topic a service creates at boot, with its dead-letter topic (what the kafka-topics Job must create) */
export const ALL_TOPICS = [...new Set([...IDENTITY_TOPICS, ...ORGANIZATION_TOPICS, ...PACKAGING_TOPICS])].flatMap((t) => [t, `${t}.dlq`]);

/** variables that are secrets: only ever from the Secret, never committed */
export const SECRET_VARIABLES = ['OPERATOR_TOKEN', 'SECRETS_MASTER_KEY', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'SERVICE_TOKENS', 'PGPASSWORD', 'MFA_MASTER_KEY', 'REGION_PEER_TOKEN'] as const;
export const SECRET_NAME = 'orgs-control-plane-secrets';
export const CONFIG_MAP_NAME = 'orgs-control-plane-config';
export const IMAGE = 'ghcr.io/example/orgs-control-plane';

const cache = new Map<string, Rendered>();
/** an overlay rendered by the YAML renderer (cached: the tests only read it) */
export function renderOverlay(region: string): Rendered {
  if (!cache.has(region)) cache.set(region, renderKustomization(overlayDir(region)));
  return cache.get(region)!;
}

export interface EnvSource {
  from: 'configMap' | 'secret' | 'literal' | 'other';
  /** ConfigMap or Secret name */
  name?: string;
  key?: string;
  /** known value: ConfigMap values and literals */
  value?: string;
  optional?: boolean;
}

/**
 * A container's environment as the kubelet builds it: envFrom first, then env (which wins). ConfigMap
 * references are resolved against the rendered resources: a missing ConfigMap or key (not optional) throws.
 */
export function containerEnv(container: K8sObject, resources: K8sObject[]): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  const configMap = (name: string) => {
    const cm = findResource(resources, 'ConfigMap', name);
    if (!cm) throw new Error(`container ${container.name}: ConfigMap ${name} is not in the rendered output`);
    return cm;
  };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const cm = configMap(from.configMapRef.name);
      for (const [key, value] of Object.entries((cm.data ?? {}) as Record<string, string>)) {
        env.set(`${from.prefix ?? ''}${key}`, { from: 'configMap', name: cm.metadata.name, key, value });
      }
    } else {
      throw new Error(`container ${container.name}: envFrom ${JSON.stringify(from)}: use a secretKeyRef per variable, so what each service reads is visible`);
    }
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom;
    if (ref?.configMapKeyRef) {
      const { name, key, optional } = ref.configMapKeyRef;
      const value = (configMap(name).data ?? {})[key] as string | undefined;
      if (value === undefined && !optional) throw new Error(`container ${container.name}: ${e.name} ← ConfigMap ${name} has no key ${key}`);
      env.set(e.name, { from: 'configMap', name, key, value, optional });
    } else if (ref?.secretKeyRef) {
      const { name, key, optional } = ref.secretKeyRef;
      env.set(e.name, { from: 'secret', name, key, optional });
    } else if (ref) {
      env.set(e.name, { from: 'other' });
    } else {
      env.set(e.name, { from: 'literal', value: String(e.value ?? '') });
    }
  }
  return env;
}

/** the port number a probe or Service targets: a number, or the name of one of the container's ports */
export function resolvePort(port: number | string, container: K8sObject): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return (container.ports ?? []).find((p: K8sObject) => p.name === port)?.containerPort;
}

/** words of a string, for "does it name another region" checks: `kafka-0.kafka.ocp-eu.svc` → kafka, 0, ocp, eu, svc */
export const words = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/** every string (keys and values) inside a value */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allStrings(v, out);
    }
  }
  return out;
}
