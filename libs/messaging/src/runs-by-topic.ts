import { BusMessage } from './message-bus.port';

/** consecutive messages to the same topic, in order: each run goes out as one produce request (order kept within it) */
export function runsByTopic(messages: BusMessage[]): { topic: string; messages: BusMessage[] }[] {
  const runs: { topic: string; messages: BusMessage[] }[] = [];
  for (const message of messages) {
    const last = runs[runs.length - 1];
    if (last && last.topic === message.topic) last.messages.push(message);
    else runs.push({ topic: message.topic, messages: [message] });
  }
  return runs;
}
