import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT } from './processes';

jest.setTimeout(120_000);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('replaying dead letters (docs/runbook.md)', () => {
  it('republishes a dead-letter topic into its source topic without the dead-letter headers, once', async () => {
    const kafka = new Kafka({ clientId: 'dlq-test', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const topic = `replay-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect().catch((e: Error) => {
      throw new Error(`no Kafka broker at ${BROKERS}: start it with scripts/infra/kafka-start.sh (${e.message})`);
    });
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: `${topic}.dlq`, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${topic}.dlq`,
      messages: [
        { key: 'org-1', value: '{"fixed":true}', headers: { 'event-id': 'e-1', 'dead-letter-reason': 'invalid envelope', 'dead-letter-source-topic': topic } },
      ],
    });
    await producer.disconnect();

    const run = () =>
      promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tools/replay-dead-letters.ts', `${topic}.dlq`], {
        cwd: ROOT,
        env: { ...process.env, KAFKA_BROKERS: BROKERS.join(',') },
      });
    expect((await run()).stdout).toContain('replayed 1 message(s)');
    expect((await run()).stdout).toContain('replayed 0 message(s)'); // a rerun continues where the last stopped

    const consumer = kafka.consumer({ groupId: `check-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key?: string; value?: string; headers: Record<string, string> }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push({
            key: message.key?.toString(),
            value: message.value?.toString(),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          });
          resolve();
        },
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    await consumer.disconnect();
    expect(received).toEqual([{ key: 'org-1', value: '{"fixed":true}', headers: { 'event-id': 'e-1' } }]);
  });
});
