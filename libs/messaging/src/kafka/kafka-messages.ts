import { IHeaders } from 'kafkajs';

// Decoding kafkajs messages and naming topics: the pure helpers of KafkaMessageBus.

export const text = (value: Buffer | string | null | undefined): string =>
  value == null ? '' : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // kafkajs turns a header name that occurs more than once into an array: the last one wins
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    result[name] = text(last);
  }
  return result;
}

/**
 * ServerKafka finds the handler of a message by JSON.parse()-ing its topic name first: a topic named `1.50`,
 * `1e3`, `true` or `null` becomes another route than the one registered, and its messages are dropped with
 * "There is no matching event handler defined in the remote service". Refuse such names up front.
 */
export function assertRoutableTopic(topic: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(topic);
  } catch {
    return;
  }
  if (typeof parsed === 'number' && String(parsed) === topic) return;
  throw new Error(`topic name ${topic} cannot be subscribed through Nest's ServerKafka (it routes it as ${JSON.stringify(parsed)})`);
}

/** kafkajs' answer for a topic that does not exist (auto-creation is off), made actionable */
export function explainMissingTopic(error: unknown, topics: string[]): unknown {
  const reason = error instanceof Error ? error.message : String(error);
  if (!reason.includes('does not host this topic-partition')) return error;
  return new Error(
    `${reason}: does topic ${topics.join(', ')} exist? Topics are not auto-created: call ensureTopics() first`,
    { cause: error },
  );
}
