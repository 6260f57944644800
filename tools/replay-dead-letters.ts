import { Kafka, logLevel } from 'kafkajs';

/**
 * Replays a dead-letter topic into its source topic after the consumer was fixed. Consumers are idempotent
 * (derived event ids and source-revision guards), so a replayed message that was already applied changes
 * nothing. Messages are republished with their key and headers, minus the dead-letter headers; the replay
 * group's committed offset makes a rerun continue where the last one stopped.
 *
 *   KAFKA_BROKERS=host:9092 npx ts-node --transpile-only tools/replay-dead-letters.ts organization.events.v1.dlq [--dry-run]
 */
async function main() {
  const [dlq, flag] = process.argv.slice(2);
  if (!dlq?.endsWith('.dlq')) {
    console.error('usage: replay-dead-letters.ts <topic>.dlq [--dry-run]');
    process.exit(2);
  }
  const source = dlq.slice(0, -'.dlq'.length);
  const kafka = new Kafka({ clientId: 'dlq-replay', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `dlq-replay-${source}`;
  const offsets = await admin.fetchTopicOffsets(dlq);
  const [committed] = await retrying(() => admin.fetchOffsets({ groupId, topics: [dlq] }));
  await admin.disconnect();
  // per partition: the offset the replay must reach; partitions already replayed up to their end are done
  const replayedUpTo = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  const remaining = new Map(
    offsets.map((o) => [o.partition, Number(o.high) > Math.max(0, replayedUpTo.get(o.partition) ?? 0) ? Number(o.high) : 0]),
  );
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: dlq, fromBeginning: true });
  let replayed = 0;
  const done = new Promise<void>((resolve) => {
    const check = () => [...remaining.values()].every((high) => high <= 0) && resolve();
    check();
    void consumer.run({
      autoCommit: true,
      eachMessage: async ({ partition, message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {})
            .filter(([k]) => !k.startsWith('dead-letter-'))
            .map(([k, v]) => [k, v?.toString() ?? '']),
        );
        const reason = message.headers?.['dead-letter-reason']?.toString();
        if (flag === '--dry-run') console.log(JSON.stringify({ partition, offset: message.offset, key: message.key?.toString(), reason }));
        else await producer.send({ topic: source, messages: [{ key: message.key, value: message.value, headers }] });
        replayed += 1;
        if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.set(partition, 0);
        check();
      },
    });
  });
  await done;
  await consumer.disconnect();
  await producer.disconnect();
  console.log(`${flag === '--dry-run' ? 'would replay' : 'replayed'} ${replayed} message(s) from ${dlq} to ${source}`);
}

/** the group coordinator of a fresh broker answers "loading" for a few seconds */
async function retrying<T>(action: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await action();
    } catch (error) {
      if (i >= attempts || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

main().catch((error) => {
  console.error(`replay failed: ${(error as Error).message}`);
  process.exit(1);
});
