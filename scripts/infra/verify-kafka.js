#!/usr/bin/env node
// Smoke test for the broker started by scripts/infra/kafka-start.sh, using kafkajs (the client
// NestJS's Kafka transport uses): create a topic with the admin API, produce one message, consume
// it back in a consumer group, delete the topic. Exits non-zero on any failure.
//   KAFKA_PORT (default 9092) or KAFKA_BROKERS (default 127.0.0.1:$KAFKA_PORT)
'use strict';

const { Kafka, Partitioners, logLevel } = require('kafkajs');

const brokers = (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`).split(',');
const suffix = `${Date.now()}-${process.pid}`;
const topic = `infra-verify-${suffix}`;
const groupId = `infra-verify-group-${suffix}`;
const payload = `hello ${suffix}`;
const TIMEOUT_MS = Number(process.env.VERIFY_TIMEOUT_MS || 60000);

function step(msg) {
  process.stdout.write(`[verify-kafka] ${msg}\n`);
}

async function main() {
  const t0 = Date.now();
  const kafka = new Kafka({
    clientId: 'infra-verify',
    brokers,
    // kafkajs logs retriable errors (first GroupCoordinator lookup while __consumer_offsets is
    // being created) at ERROR level; failures surface as exceptions here anyway.
    logLevel: process.env.VERIFY_DEBUG ? logLevel.DEBUG : logLevel.NOTHING,
    retry: { retries: 5 },
  });

  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
  });
  if (!created) throw new Error(`createTopics returned false for ${topic}`);
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new Error(`topic ${topic} not listed after createTopics`);
  step(`created topic ${topic} (${Date.now() - t0} ms)`);

  // auto.create.topics.enable=false must hold: producing to an unknown topic must fail.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 0 },
  });
  await producer.connect();
  let autoCreated = true;
  try {
    await producer.send({ topic: `${topic}-missing`, messages: [{ value: 'x' }], acks: -1 });
  } catch (err) {
    autoCreated = false;
    step(`produce to a missing topic refused as expected (${err.name}: ${err.message})`);
  }
  if (autoCreated) throw new Error('broker auto-created a topic; auto.create.topics.enable should be false');

  const res = await producer.send({ topic, acks: -1, messages: [{ key: 'k1', value: payload }] });
  step(`produced 1 message at offset ${res[0].baseOffset} (${Date.now() - t0} ms)`);

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message consumed within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({ key: message.key && message.key.toString(), value: message.value && message.value.toString() });
        },
      })
      .catch((err) => {
        clearTimeout(timer);
        reject(err);
      });
  });
  if (received.value !== payload || received.key !== 'k1') {
    throw new Error(`consumed ${JSON.stringify(received)}, expected key k1 value ${JSON.stringify(payload)}`);
  }
  step(`consumed the message back in group ${groupId} (${Date.now() - t0} ms)`);

  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic], timeout: 10000 });
  await admin.disconnect();
  step(`OK: create topic + produce + consume in ${Date.now() - t0} ms`);
}

const hardStop = setTimeout(() => {
  process.stderr.write(`[verify-kafka] FAILED: overall timeout ${TIMEOUT_MS * 2} ms\n`);
  process.exit(1);
}, TIMEOUT_MS * 2);
hardStop.unref();

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`[verify-kafka] FAILED: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
