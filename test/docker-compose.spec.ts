import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICE_REQUIRED_ENV as IDENTITY } from '../apps/identity/src/service';
import { SERVICE_REQUIRED_ENV as ORGANIZATION } from '../apps/organization/src/service';
import { SERVICE_REQUIRED_ENV as PACKAGING } from '../apps/app-packaging/src/service';

/** docker-compose.yml cannot run on these machines; this checks what it can without Docker */
describe('docker-compose.yml (one region\'s stack)', () => {
  const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true });
  const services = compose.services as Record<string, { environment?: Record<string, string>; profiles?: string[]; command?: string[] }>;
  const required: Record<string, readonly string[]> = { identity: IDENTITY, organization: ORGANIZATION, 'app-packaging': PACKAGING };

  it.each(Object.keys(required))('sets every variable %s requires when it runs alone', (name) => {
    const env = services[name].environment ?? {};
    const missing = required[name].filter((v) => env[v] === undefined || env[v] === '');
    expect(missing).toEqual([]);
    expect(env.BUS).toBe('kafka');
    if (env.EVENT_STORE === 'kurrentdb') expect(env.KURRENTDB_CONNECTION_STRING).toMatch(/^kurrentdb:\/\//);
    if (env.OBJECT_STORAGE === 's3') for (const v of ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET']) expect(env[v]).toBeTruthy();
    expect(services[name].command?.join(' ')).toContain(`dist/apps/${name}/src/main.js`);
  });

  it('gives each service a database of its own', () => {
    const strings = Object.keys(required).map((n) => services[n].environment!.KURRENTDB_CONNECTION_STRING);
    expect(new Set(strings).size).toBe(3);
  });

  it('puts the services behind a profile, so operators can start only the infrastructure', () => {
    for (const name of Object.keys(required)) expect(services[name].profiles).toEqual(['services']);
    for (const infra of ['kafka', 'minio', 'kurrentdb-identity', 'kurrentdb-organization', 'kurrentdb-app-packaging']) {
      expect(services[infra]).toBeDefined();
      expect(services[infra].profiles).toBeUndefined();
    }
    expect(services.kafka.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.kafka.environment!.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('commits no secret value: secrets are interpolated from the environment', () => {
    for (const name of Object.keys(required)) {
      const env = services[name].environment!;
      for (const secret of ['OPERATOR_TOKEN', 'SECRETS_MASTER_KEY', 'S3_SECRET_KEY', 'S3_ACCESS_KEY']) {
        if (env[secret] !== undefined) expect(env[secret]).toMatch(/^\$\{[A-Z0-9_]+:\?/);
      }
    }
  });
});
