import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceProcess } from './processes';

const KAFKA_NAMESPACE = `e2e-${randomBytes(4).toString('hex')}`;

const secret = () => randomBytes(24).toString('hex');

/** every file under a directory (event stores, read models, WAL files, the object store, mail outbox, keys) */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
export const containing = (dir: string, marker: string) => filesUnder(dir).filter((f) => readFileSync(f).includes(Buffer.from(marker)));

/** every record (key, value, headers) of every topic of a broker, read from the beginning up to its end */
export async function topicContents(broker: string): Promise<Buffer> {
  const kafka = new Kafka({ brokers: [broker], clientId: 'residency-check', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
  const ends = new Map<string, number>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > Number(p.low)) ends.set(`${topic}:${p.partition}`, Number(p.high));
  }
  await admin.disconnect();
  const chunks: Buffer[] = [Buffer.from(topics.join('\n'))];
  if (ends.size === 0) return Buffer.concat(chunks);
  const consumer = kafka.consumer({ groupId: `residency-${secret()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: topics.filter((t) => [...ends.keys()].some((k) => k.startsWith(`${t}:`))), fromBeginning: true });
  const pending = new Set(ends.keys());
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`topics not read to their end: ${[...pending].join(', ')}`)), 60_000);
    consumer
      .run({
        eachMessage: async ({ topic, partition, message }) => {
          chunks.push(message.key ?? Buffer.alloc(0), message.value ?? Buffer.alloc(0));
          for (const value of Object.values(message.headers ?? {})) chunks.push(Buffer.from(String(value)));
          const key = `${topic}:${partition}`;
          if (Number(message.offset) + 1 >= (ends.get(key) ?? 0)) pending.delete(key);
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return Buffer.concat(chunks);
}

/** one region's stack: its three services as separate processes, its own Kafka, its own data directories */
export class RegionStack {
  readonly identity: ServiceProcess;
  readonly organization: ServiceProcess;
  readonly packaging: ServiceProcess;

  constructor(
    readonly region: 'us' | 'eu',
    readonly dataDir: string,
    port: number,
    kafka: string,
    peer: { region: 'us' | 'eu'; identityPort: number; token: string },
    token: string,
    operator: string,
  ) {
    const env = {
      REGION: region,
      OPERATOR_TOKEN: operator,
      BUS: 'kafka',
      KAFKA_BROKERS: kafka,
      KAFKA_TOPIC_PARTITIONS: '1',
      // topics and consumer groups of this run only: nothing left on the shared broker by another suite is read
      KAFKA_NAMESPACE,
      EVENT_STORE: 'sqlite',
      LOG_LEVEL: 'info',
      JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      // the peer region's identity: its JWKS and its membership index endpoint
      REGION_PEERS: `${peer.region}=http://127.0.0.1:${peer.identityPort}`,
      REGION_PEER_TOKEN: token,
      SERVICE_TOKENS: peer.token,
      REGION_PEER_TIMEOUT_MS: '1000',
    };
    this.identity = new ServiceProcess('identity', port, { ...env, DATA_DIR: join(dataDir, 'identity') });
    this.organization = new ServiceProcess('organization', port + 1, {
      ...env,
      DATA_DIR: join(dataDir, 'organization'),
      SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    this.packaging = new ServiceProcess('app-packaging', port + 2, { ...env, DATA_DIR: join(dataDir, 'app-packaging'), OBJECT_STORAGE: 'filesystem' });
  }

  get services() {
    return [this.identity, this.organization, this.packaging];
  }

  async start() {
    this.services.forEach((s) => s.start());
    // six services compile and boot on a shared 2-core machine: generous, the test's own timeout still bounds it
    await Promise.all(this.services.map((s) => s.ready(420_000)));
  }

  async kill() {
    await Promise.all(this.services.map((s) => s.kill('SIGKILL')));
  }
}

