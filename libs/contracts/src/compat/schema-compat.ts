import { isDeepStrictEqual } from 'node:util';
import { CatalogTopic } from '../catalog';
import { jsonSchemaOf } from '../asyncapi';
import { envelopeSchema } from '../envelope';

type JsonSchema = Record<string, unknown>;

/** what a topic's contract is, frozen: the envelope and each event type's data, as JSON Schema */
export interface TopicBaseline {
  topic: string;
  /** null when the record value is the event's data itself (no envelope) */
  envelope: JsonSchema | null;
  types: Record<string, JsonSchema>;
}

export function baselineOf(topic: CatalogTopic): TopicBaseline {
  return {
    topic: topic.topic,
    envelope: topic.format === 'envelope' ? jsonSchemaOf(envelopeSchema) : null,
    types: Object.fromEntries(Object.entries(topic.schemas).map(([type, schema]) => [type, jsonSchemaOf(schema)])),
  };
}

const DOCUMENTATION = new Set(['description', 'title', 'examples']);
const STRUCTURE = new Set(['type', 'properties', 'required', 'additionalProperties', 'enum', 'const']);

/**
 * Why `next` cannot replace `previous` on the same topic version, in both directions: a consumer built on
 * `previous` must accept everything `next` lets a producer write (forward), and a consumer built on `next`
 * must accept every message written under `previous` (backward, e.g. a replay or a lagging producer). Our
 * schemas are strict (unknown keys refused), so adding even an optional field breaks older consumers: that is
 * a new topic version. Empty when compatible.
 */
export function schemaBreaks(previous: JsonSchema, next: JsonSchema, path = '(root)'): string[] {
  const breaks: string[] = [];
  if (!isDeepStrictEqual(previous.type, next.type)) breaks.push(`${path}: type changed from ${JSON.stringify(previous.type)} to ${JSON.stringify(next.type)}`);
  if (!isDeepStrictEqual(previous.const, next.const)) breaks.push(`${path}: const changed from ${JSON.stringify(previous.const)} to ${JSON.stringify(next.const)}`);
  if (!isDeepStrictEqual(previous.enum, next.enum)) {
    const before = (previous.enum as unknown[] | undefined) ?? [];
    const after = (next.enum as unknown[] | undefined) ?? [];
    const added = after.filter((v) => !before.some((b) => isDeepStrictEqual(b, v)));
    const removed = before.filter((v) => !after.some((a) => isDeepStrictEqual(a, v)));
    if (added.length) breaks.push(`${path}: enum gained ${JSON.stringify(added)} (older consumers refuse it)`);
    if (removed.length) breaks.push(`${path}: enum lost ${JSON.stringify(removed)} (older messages carry it)`);
    if (!added.length && !removed.length && (previous.enum === undefined) !== (next.enum === undefined)) breaks.push(`${path}: enum added or removed`);
  }
  const before = (previous.properties as Record<string, JsonSchema> | undefined) ?? {};
  const after = (next.properties as Record<string, JsonSchema> | undefined) ?? {};
  const requiredBefore = new Set((previous.required as string[] | undefined) ?? []);
  const requiredAfter = new Set((next.required as string[] | undefined) ?? []);
  for (const name of Object.keys(after)) {
    if (!(name in before) && previous.additionalProperties === false) breaks.push(`${path}.${name}: added, and older consumers refuse unknown fields`);
  }
  for (const name of Object.keys(before)) {
    if (!(name in after) && next.additionalProperties === false) breaks.push(`${path}.${name}: removed, and older messages carry it`);
  }
  for (const name of requiredAfter) if (!requiredBefore.has(name)) breaks.push(`${path}.${name}: now required, and older messages may lack it`);
  for (const name of requiredBefore) if (!requiredAfter.has(name)) breaks.push(`${path}.${name}: no longer required, and older consumers need it`);
  if (!isDeepStrictEqual(previous.additionalProperties, next.additionalProperties)) breaks.push(`${path}: additionalProperties changed`);
  for (const name of Object.keys(before)) if (name in after) breaks.push(...schemaBreaks(before[name], after[name], `${path}.${name}`));
  // every other keyword (format, minLength, minimum, pattern, items, anyOf…) must stay as it was
  const keywords = new Set([...Object.keys(previous), ...Object.keys(next)]);
  for (const keyword of keywords) {
    if (STRUCTURE.has(keyword) || DOCUMENTATION.has(keyword)) continue;
    if (!isDeepStrictEqual(previous[keyword], next[keyword])) {
      breaks.push(`${path}: ${keyword} changed from ${JSON.stringify(previous[keyword])} to ${JSON.stringify(next[keyword])}`);
    }
  }
  return breaks;
}

/** why the current topic contract breaks its frozen baseline; event types may be added, never removed or changed */
export function topicBreaks(previous: TopicBaseline, next: TopicBaseline): string[] {
  const breaks =
    previous.envelope && next.envelope
      ? schemaBreaks(previous.envelope, next.envelope, 'envelope')
      : previous.envelope === next.envelope
        ? []
        : ['envelope: added or removed'];
  for (const [type, schema] of Object.entries(previous.types)) {
    if (!(type in next.types)) {
      breaks.push(`${type}: removed, and older messages of this type would be dead-lettered`);
      continue;
    }
    breaks.push(...schemaBreaks(schema, next.types[type], type));
  }
  return breaks;
}
