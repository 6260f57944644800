import { logLevel, RetryOptions } from 'kafkajs';
import { BusMessage } from '../message-bus.port';

export interface KafkaMessageBusOptions {
  /** bootstrap brokers, e.g. ['127.0.0.1:9092'] */
  brokers: string[];
  /** client id of the producer and the admin; consumers use `${clientId}-${group}` */
  clientId: string;
  /** partitions of the topics `ensureTopics` creates (default 3) */
  partitions?: number;
  /** replication factor of the topics `ensureTopics` creates (default 1: a single-node broker) */
  replicationFactor?: number;
  /** kafkajs `connectionTimeout` (default 1000 ms) */
  connectionTimeoutMs?: number;
  /** kafkajs `requestTimeout` (default 10000 ms) */
  requestTimeoutMs?: number;
  /**
   * kafkajs retry settings for the producer, the consumers and the admin. The default fails a publish to a
   * broker that is down in about 2.5 s (the outbox relay retries from its checkpoint), instead of kafkajs'
   * defaults (idempotent producer: retries forever).
   */
  retry?: RetryOptions;
  /** ping() gives up after this long (default 3000 ms) */
  pingTimeoutMs?: number;
  /** backoff while a handler keeps failing on one message: initial delay, doubling up to the max (100 ms → 5 s) */
  handlerRetry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** idempotent producer, acks = all (default true) */
  idempotent?: boolean;
  /** consumer group session timeout (default 10000 ms) and heartbeat interval (default 1000 ms) */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** longest a fetch waits on the broker for new messages; bounds how long close() waits (default 500 ms) */
  maxWaitTimeMs?: number;
  /**
   * handled offsets are committed in the background, at most one commit request per consumer per this
   * interval (default 50 ms), and on close() and rebalances (see OffsetCommitter)
   */
  commitIntervalMs?: number;
  /**
   * partitions a consumer handles at the same time, each in order (kafkajs `partitionsConsumedConcurrently`;
   * default: `partitions`, i.e. 3)
   */
  partitionsConsumedConcurrently?: number;
  /** kafkajs log level, logged through Nest's Logger (default WARN) */
  logLevel?: logLevel;
  /** called each time a handler throws, before it is retried (default: a warning through Nest's Logger) */
  onHandlerError?: (error: unknown, failure: HandlerFailure) => void;
}

export interface HandlerFailure {
  message: BusMessage;
  group: string;
  partition: number;
  offset: string;
  attempt: number;
  retryInMs: number;
}
