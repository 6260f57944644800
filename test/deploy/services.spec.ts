import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { requireEnv } from '@lib/platform';
import { loadIdentityConfig } from '../../apps/identity/src/config';
import { loadOrganizationConfig } from '../../apps/organization/src/config';
import { loadPackagingConfig } from '../../apps/app-packaging/src/config';
import {
  ALL_TOPICS,
  CONFIG_MAP_NAME,
  containerEnv,
  IMAGE,
  REGIONS,
  renderOverlay,
  REQUIRED_ENV,
  resolvePort,
  ROOT,
  SECRET_NAME,
  SECRET_VARIABLES,
  ServiceName,
  SERVICES,
} from './support/deploy';
import { findResource, K8sObject } from './support/kustomize';

const cases = REGIONS.flatMap((region) => SERVICES.map((service) => ({ region, service })));

function deployment(region: string, service: ServiceName) {
  const { resources } = renderOverlay(region);
  const d = findResource(resources, 'Deployment', service);
  if (!d) throw new Error(`${region}: no Deployment ${service}`);
  const container: K8sObject = d.spec.template.spec.containers.find((c: K8sObject) => c.name === service);
  if (!container) throw new Error(`${region}: Deployment ${service} has no container named ${service}`);
  return { resources, d, pod: d.spec.template.spec as K8sObject, container, env: containerEnv(container, resources) };
}

/** the environment the container would see, with stand-ins for the Secret's values */
function effectiveEnv(region: string, service: ServiceName): NodeJS.ProcessEnv {
  const standIn: Record<string, string> = {
    OPERATOR_TOKEN: 'operator-token-stand-in-of-at-least-32-chars',
    SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
    S3_ACCESS_KEY: 'access-key-stand-in',
    S3_SECRET_KEY: 'secret-key-stand-in',
  };
  const out: NodeJS.ProcessEnv = {};
  for (const [name, source] of deployment(region, service).env) {
    if (source.from === 'secret') {
      if (standIn[name]) out[name] = standIn[name];
    } else if (source.value !== undefined) out[name] = source.value;
  }
  return out;
}

const loaders: Record<ServiceName, (env: NodeJS.ProcessEnv) => { PORT: number; REGION: string; DATA_DIR: string }> = {
  identity: loadIdentityConfig,
  organization: loadOrganizationConfig,
  'app-packaging': loadPackagingConfig,
};

describe('each service Deployment (rendered per region)', () => {
  it.each(cases)('$region/$service: gets every variable of its SERVICE_REQUIRED_ENV from the ConfigMap or the Secret', ({ region, service }) => {
    const { env } = deployment(region, service);
    const problems = REQUIRED_ENV[service].flatMap((name) => {
      const source = env.get(name);
      if (!source) return [`${name}: not set`];
      if (source.from === 'configMap' && source.value) return [];
      if (source.from === 'secret' && source.name === SECRET_NAME && !source.optional) return [];
      return [`${name}: ${JSON.stringify(source)} (wanted a ConfigMap value or a required key of Secret ${SECRET_NAME})`];
    });
    expect(problems).toEqual([]);
  });

  it.each(cases)('$region/$service: takes every secret variable from the Secret, and only from it', ({ region, service }) => {
    const { env } = deployment(region, service);
    for (const name of SECRET_VARIABLES) {
      const source = env.get(name);
      if (source) expect({ name, from: source.from, secret: source.name, key: source.key }).toEqual({ name, from: 'secret', secret: SECRET_NAME, key: name });
    }
    for (const [name, source] of env) {
      if (source.from === 'literal') expect({ name, literal: SECRET_VARIABLES.includes(name as never) }).toEqual({ name, literal: false });
    }
  });

  it.each(cases)('$region/$service: would start: the resolved environment passes requireEnv and the service\'s config schema', ({ region, service }) => {
    const env = effectiveEnv(region, service);
    expect(() => requireEnv(env, REQUIRED_ENV[service], service)).not.toThrow();
    const config = loaders[service](env);
    expect(config.REGION).toBe(region);
    const { container } = deployment(region, service);
    expect(config.PORT).toBe(container.ports[0].containerPort);

    expect(env.BUS).toBe('kafka');
    expect(env.EVENT_STORE).toBe('kurrentdb');
    expect(env.KURRENTDB_CONNECTION_STRING).toMatch(/^kurrentdb:\/\//);
    if (service === 'app-packaging') {
      expect(env.OBJECT_STORAGE).toBe('s3');
      for (const v of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY']) expect({ v, set: Boolean(env[v]) }).toEqual({ v, set: true });
    }
  });

  it.each(REGIONS)('%s: gives each service a KurrentDB database of its own', (region) => {
    const strings = SERVICES.map((s) => effectiveEnv(region, s).KURRENTDB_CONNECTION_STRING);
    expect(new Set(strings).size).toBe(SERVICES.length);
  });

  it.each(cases)('$region/$service: readiness probe GET /health/ready and liveness GET /health/live on the container port', ({ region, service }) => {
    const { container } = deployment(region, service);
    expect(container.ports).toHaveLength(1);
    const port = container.ports[0].containerPort as number;
    const probe = (p: K8sObject | undefined) => p && { path: p.httpGet?.path, port: resolvePort(p.httpGet?.port, container) };
    expect(probe(container.readinessProbe)).toEqual({ path: '/health/ready', port });
    expect(probe(container.livenessProbe)).toEqual({ path: '/health/live', port });
    // a slow start (read models catching up) must not get the container killed: startup waits on /health/live
    if (container.startupProbe) expect(probe(container.startupProbe)).toEqual({ path: '/health/live', port });
  });

  it.each(cases)('$region/$service: a Service reaches the pods on the container port', ({ region, service }) => {
    const { resources, d, container } = deployment(region, service);
    const svc = findResource(resources, 'Service', service)!;
    expect(svc).toBeDefined();
    const podLabels = d.spec.template.metadata.labels;
    expect(podLabels).toEqual(expect.objectContaining(svc.spec.selector));
    expect(podLabels).toEqual(expect.objectContaining(d.spec.selector.matchLabels));
    expect(d.spec.selector.matchLabels.region).toBe(region);
    expect(svc.spec.ports).toHaveLength(1);
    expect(resolvePort(svc.spec.ports[0].targetPort, container)).toBe(container.ports[0].containerPort);
  });

  it.each(cases)('$region/$service: runs the image with node dist/apps/<service>/src/main.js', ({ region, service }) => {
    const { container } = deployment(region, service);
    expect(container.image).toMatch(new RegExp(`^${IMAGE}[:@]`));
    expect(container.command).toEqual(['node', `dist/apps/${service}/src/main.js`]);
    // what `nest build <service>` compiles to that path (Dockerfile: npm run build)
    expect(existsSync(join(ROOT, 'apps', service, 'src', 'main.ts'))).toBe(true);
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });

  it.each(cases)('$region/$service: sets resource requests and limits', ({ region, service }) => {
    const { container } = deployment(region, service);
    for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect({ kind, r, set: Boolean(container.resources?.[kind]?.[r]) }).toEqual({ kind, r, set: true });
  });

  it.each(cases)('$region/$service: DATA_DIR is a volume of its own (identity: a persistent one, for its signing keys)', ({ region, service }) => {
    const { resources, d, pod, container } = deployment(region, service);
    const env = effectiveEnv(region, service);
    const mount = (container.volumeMounts ?? []).find((m: K8sObject) => posix.normalize(m.mountPath) === posix.normalize(env.DATA_DIR!));
    expect(mount).toBeDefined();
    const volume = (pod.volumes ?? []).find((v: K8sObject) => v.name === mount.name);
    expect(volume.persistentVolumeClaim ?? volume.emptyDir).toBeDefined();
    if (service === 'identity') {
      // signing keys must survive restarts: else every token ever issued stops verifying
      expect(volume.persistentVolumeClaim).toBeDefined();
      const keysDir = env.SIGNING_KEYS_DIR ?? posix.join(env.DATA_DIR!, 'identity', 'keys');
      expect(keysDir.startsWith(posix.normalize(env.DATA_DIR!) + '/')).toBe(true);
    }
    if (volume.persistentVolumeClaim) {
      const pvc = findResource(resources, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName);
      expect(pvc).toBeDefined();
      if (pvc!.spec.accessModes.includes('ReadWriteOnce')) {
        // one writer: a rolling update would start a second pod that cannot mount the volume
        expect({ replicas: d.spec.replicas, strategy: d.spec.strategy?.type }).toEqual({ replicas: 1, strategy: 'Recreate' });
      }
    }
  });
});

describe('the kafka-topics Job', () => {
  it.each(REGIONS)('%s: creates every topic and its .dlq up front, idempotently, with the region\'s settings', (region) => {
    const { resources, generated } = renderOverlay(region);
    const job = findResource(resources, 'Job', 'kafka-topics')!;
    expect(job).toBeDefined();
    const container = job.spec.template.spec.containers[0];
    const env = containerEnv(container, resources);
    expect(env.get('TOPICS')?.value?.split(/\s+/).filter(Boolean).sort()).toEqual([...ALL_TOPICS].sort());
    for (const name of ['KAFKA_BROKERS', 'KAFKA_TOPIC_PARTITIONS', 'KAFKA_REPLICATION_FACTOR']) {
      expect(env.get(name)).toEqual(expect.objectContaining({ from: 'configMap', name: generated.get(CONFIG_MAP_NAME), key: name }));
    }
    const script = [...(container.command ?? []), ...(container.args ?? [])].join('\n');
    expect(script).toContain('kafka-topics.sh');
    expect(script).toMatch(/--create\b[^\n]*--if-not-exists|--if-not-exists[^\n]*--create\b/);
    expect(script).toContain('--partitions "$KAFKA_TOPIC_PARTITIONS"');
    expect(script).toContain('--replication-factor "$KAFKA_REPLICATION_FACTOR"');
    expect(script).toContain('--bootstrap-server "$KAFKA_BROKERS"');
    // the same Kafka image as docker-compose.yml
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    expect(container.image).toBe(compose.services.kafka.image);
    expect(job.spec.template.spec.restartPolicy).toMatch(/^(OnFailure|Never)$/);
  });

  it.each(REGIONS)('%s: production settings: replication factor 3', (region) => {
    const { resources, generated } = renderOverlay(region);
    const data = findResource(resources, 'ConfigMap', generated.get(CONFIG_MAP_NAME)!)!.data;
    expect(data.KAFKA_REPLICATION_FACTOR).toBe('3');
    expect(Number(data.KAFKA_TOPIC_PARTITIONS)).toBeGreaterThanOrEqual(1);
  });
});
