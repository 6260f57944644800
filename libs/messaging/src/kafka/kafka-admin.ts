import { Admin, Kafka } from 'kafkajs';
import { sleep, withTimeout } from '@lib/eventstore';
import { deadLetterTopic } from '../message-bus.port';
import { KafkaMessageBusOptions } from './kafka-message-bus.options';

type AdminOptions = Pick<KafkaMessageBusOptions, 'brokers' | 'partitions' | 'replicationFactor' | 'pingTimeoutMs'>;

/**
 * The bus' two admin clients: 'admin' (with the retry settings) creates topics, 'probe' (no retries) answers
 * readiness. Both connect lazily and are dropped after a failed call, so the next call connects afresh.
 */
export class KafkaAdminClients {
  private admin: { admin: Admin; connected: Promise<void> } | null = null;
  private probe: { admin: Admin; connected: Promise<void> } | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly probeKafka: Kafka,
    private readonly options: AdminOptions,
  ) {}

  /**
   * Creates every topic and its dead-letter topic (`<topic>.dlq`) that does not exist yet, with the bus'
   * partitions and replication factor, and waits until each partition has a leader. Existing topics are left
   * as they are. A topic that already is a dead-letter topic gets no `.dlq.dlq`.
   */
  async ensureTopics(topics: string[]): Promise<void> {
    const wanted = [...new Set(topics.flatMap((t) => (t.endsWith('.dlq') ? [t] : [t, deadLetterTopic(t)])))];
    if (wanted.length === 0) return;
    await this.withAdmin('admin', async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      let created = true;
      if (missing.length > 0) {
        created = await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.options.partitions ?? 3,
            replicationFactor: this.options.replicationFactor ?? 1,
          })),
        });
      }
      // createTopics answers false, without waiting for leaders, when someone else created one of them first
      if (!created || missing.length < wanted.length) await this.waitForLeaders(admin, wanted);
    });
  }

  private async waitForLeaders(admin: Admin, topics: string[], timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
        if (metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topics without a leader after ${timeoutMs} ms: ${topics.join(', ')}`);
      await sleep(100);
    }
  }

  /** readiness: one cheap metadata round trip, failing within `pingTimeoutMs` when no broker answers */
  async ping(): Promise<void> {
    const timeoutMs = this.options.pingTimeoutMs ?? 3000;
    const deadline = Date.now() + timeoutMs;
    const attempt = () =>
      withTimeout(
        this.withAdmin('probe', (admin) => admin.describeCluster()),
        Math.max(1, deadline - Date.now()),
        `Kafka ping timed out after ${timeoutMs} ms (brokers ${this.options.brokers.join(', ')})`,
      );
    const reused = this.probe !== null;
    try {
      await attempt();
    } catch (error) {
      // a probe connected before a broker restart fails once on its dead connection: try a fresh one
      if (!reused || Date.now() >= deadline) throw this.pingError(error);
      try {
        await attempt();
      } catch (again) {
        throw this.pingError(again);
      }
    }
  }

  private pingError(error: unknown): Error {
    const reason = error instanceof Error ? error.message : String(error);
    return new Error(`Kafka not reachable at ${this.options.brokers.join(', ')}: ${reason}`, { cause: error });
  }

  /**
   * Runs an admin call on a lazily connected admin client ('admin': with the retry settings, for
   * ensureTopics; 'probe': no retries, for ping). A failed call drops the client, so the next call connects
   * afresh (a broker restart leaves kafkajs with dead connections).
   */
  private async withAdmin<T>(kind: 'admin' | 'probe', work: (admin: Admin) => Promise<T>): Promise<T> {
    let entry = this[kind];
    if (!entry) {
      const admin = kind === 'probe' ? this.probeKafka.admin() : this.kafka.admin();
      entry = { admin, connected: admin.connect() };
      entry.connected.catch(() => undefined);
      this[kind] = entry;
    }
    const current = entry;
    const run = current.connected.then(() => work(current.admin));
    run.catch(() => {
      if (this[kind] === current) this[kind] = null;
      current.admin.disconnect().catch(() => undefined);
    });
    return run;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin, this.probe].flatMap((entry) => (entry ? [entry.admin.disconnect()] : [])));
    this.admin = null;
    this.probe = null;
  }
}
