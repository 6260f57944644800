/**
 * A minimal internal consumer of the control plane's topics, written the way another team would write it:
 * only `kafkajs` and the `cloudevents` SDK, nothing from this repository. It reads each record through its
 * CloudEvents headers (Kafka binding, binary mode), drops repeats by `ce_id` (delivery is at least once),
 * ignores event types it does not know, and prints one JSON line per event.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 TOPICS=organization.events.v1 GROUP_ID=my-team npx ts-node examples/cloudevents-consumer/consumer.ts
 */
import { Kafka as KafkaClient, logLevel } from 'kafkajs';
import { CloudEvent, Kafka } from 'cloudevents';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topics = (process.env.TOPICS ?? 'organization.events.v1').split(',');
const groupId = process.env.GROUP_ID ?? 'example-cloudevents-consumer';
/** the types this consumer handles; an empty list prints every type */
const wanted = new Set((process.env.TYPES ?? '').split(',').filter(Boolean));

// in memory for the example; a real consumer keeps the ids it applied with the state it changes
const seen = new Set<string>();

function headerStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
  }
  return out;
}

async function main() {
  const kafka = new KafkaClient({ clientId: groupId, brokers, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const stop = async () => {
    await consumer.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const headers = headerStrings(message.headers as Record<string, unknown>);
      if (!headers.ce_specversion) return; // not a CloudEvent (a record of an older producer): skip it
      const event = Kafka.toEvent({
        headers,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        timestamp: message.timestamp,
      } as never) as CloudEvent<{ type: string; data: unknown }>;
      if (seen.has(event.id)) return;
      seen.add(event.id);
      if (wanted.size > 0 && !wanted.has(event.type)) return;
      // the CloudEvent's data is the control plane's envelope; the event's own fields are in data.data
      const line = { topic, id: event.id, type: event.type, source: event.source, subject: event.subject, time: event.time, data: event.data?.data };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    },
  });
  process.stderr.write(`consuming ${topics.join(', ')} as ${groupId}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
