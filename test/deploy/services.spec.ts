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
    expect(env.EVENT_STORE).toBe('postgres');
    expect(env.POSTGRES_URL).toMatch(/^postgres:\/\/[^:@/]+@/); // a user, no password: that is PGPASSWORD, from the Secret
    expect(Number(env.SHUTDOWN_DRAIN_MS)).toBeGreaterThan(0);
    if (service === 'app-packaging') {
      expect(env.OBJECT_STORAGE).toBe('s3');
      for (const v of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY']) expect({ v, set: Boolean(env[v]) }).toEqual({ v, set: true });
    }
  });

  it.each(cases)('$region/$service: several replicas, rolled one new pod at a time, never below the replica count', ({ region, service }) => {
    const { resources, d, pod } = deployment(region, service);
    expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pdb = findResource(resources, 'PodDisruptionBudget', service)!;
    expect(pdb).toBeDefined();
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    // the drain (readiness false, then close) fits in the grace period, with time left to flush the relay
    const drainMs = Number(effectiveEnv(region, service).SHUTDOWN_DRAIN_MS);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs + 10_000);
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

  it.each(cases)('$region/$service: nothing a request needs is on a pod\'s disk: no PersistentVolumeClaim, DATA_DIR an emptyDir', ({ region, service }) => {
    const { resources, pod, container } = deployment(region, service);
    const env = effectiveEnv(region, service);
    expect(resources.filter((r) => r.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect((pod.volumes ?? []).filter((v: K8sObject) => v.persistentVolumeClaim)).toEqual([]);
    const mount = (container.volumeMounts ?? []).find((m: K8sObject) => posix.normalize(m.mountPath) === posix.normalize(env.DATA_DIR!));
    expect(mount).toBeDefined();
    expect((pod.volumes ?? []).find((v: K8sObject) => v.name === mount.name).emptyDir).toBeDefined();
    if (service === 'identity') {
      // every replica signs with the same keys, from a Secret: a token signed by one verifies at the others
      const keys = (container.volumeMounts ?? []).find((m: K8sObject) => posix.normalize(m.mountPath) === posix.normalize(env.SIGNING_KEYS_DIR!));
      expect(keys).toEqual(expect.objectContaining({ readOnly: true }));
      expect((pod.volumes ?? []).find((v: K8sObject) => v.name === keys.name).secret.secretName).toBe('orgs-control-plane-signing-keys');
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
