import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CloudEvent, Kafka } from 'cloudevents';
import { TOPIC_CATALOG } from '../catalog';
import { Envelope, parseEnvelope, toBusMessage } from '../envelope';
import { AUDIT_INGEST_TOPIC, parseAuditIngest } from '../audit.ingest.v1';
import { organizationEventSchemas } from '../organization.events.v1';
import { jsonSchemaOf } from '../asyncapi';
import { baselineOf, schemaBreaks, TopicBaseline, topicBreaks } from './schema-compat';

/*
 * Compatibility per topic version. Two frozen artifacts per topic:
 * - baselines/<topic>.json: the contract as JSON Schema when the topic version was published
 *   (`npm run contracts:freeze` writes missing ones, never rewrites);
 * - fixtures/<topic>.json: records written by the previous release (value and headers as they were).
 * The current code must read every old record, and must not change the contract in a way an older
 * consumer would refuse: that is a new topic version (`.v2`), with its own baseline.
 */

const baseline = (topic: string): TopicBaseline => JSON.parse(readFileSync(join(__dirname, 'baselines', `${topic}.json`), 'utf8'));
const fixtures = (topic: string): { messages: { key: string; value: string; headers: Record<string, string> }[] } =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', `${topic}.json`), 'utf8'));

describe.each(TOPIC_CATALOG.map((t) => [t.topic, t] as const))('%s', (topic, entry) => {
  it('has a frozen baseline and fixtures of the previous release', () => {
    expect(existsSync(join(__dirname, 'baselines', `${topic}.json`))).toBe(true);
    expect(existsSync(join(__dirname, 'fixtures', `${topic}.json`))).toBe(true);
  });

  it('the current contract is compatible with the baseline (fields and types unchanged; event types only added)', () => {
    expect(topicBreaks(baseline(topic), baselineOf(entry))).toEqual([]);
  });

  it('records written by the previous release are still read by the current consumer', () => {
    const { messages } = fixtures(topic);
    const types = new Set<string>();
    for (const m of messages) {
      if (entry.format === 'envelope') {
        const parsed = parseEnvelope({ topic, ...m }, entry.schemas);
        expect(parsed).toMatchObject({ ok: true });
        if (parsed.ok) types.add(parsed.value.type);
      } else {
        expect(topic).toBe(AUDIT_INGEST_TOPIC);
        const parsed = parseAuditIngest({ topic, ...m });
        expect(parsed).toMatchObject({ ok: true });
        if (parsed.ok) types.add('AuditEvent');
      }
    }
    // every type of the baseline has an old record to prove it
    expect([...types].sort()).toEqual(Object.keys(baseline(topic).types).sort());
  });

  it('records the current code writes are valid CloudEvents (binary mode) for the cloudevents library, and still carry the v1 headers', () => {
    const { messages } = fixtures(topic);
    if (entry.format !== 'envelope') {
      // written by other teams: their fixtures are CloudEvents for the SDK as they are
      for (const m of messages) expect((Kafka.toEvent({ key: m.key, value: m.value, headers: m.headers } as never) as CloudEvent<unknown>).validate()).toBe(true);
      return;
    }
    for (const old of messages) {
      const envelope = JSON.parse(old.value) as Envelope;
      const record = toBusMessage(topic, envelope);
      const event = Kafka.toEvent({ key: record.key, value: record.value, headers: record.headers, body: record.value, timestamp: undefined } as never) as CloudEvent<unknown>;
      expect(event.validate()).toBe(true);
      expect(event).toMatchObject({ id: envelope.id, subject: envelope.subject, time: envelope.occurredAt, specversion: '1.0', datacontenttype: 'application/json' });
      expect(event.type).toBe(`io.controlplane.${envelope.type}`);
      expect(event.source).toBe(`/services/${envelope.source}`);
      // the headers running consumers read are kept for this version
      for (const name of ['event-id', 'event-type', 'schema-version']) expect(record.headers[name]).toBe(old.headers[name]);
      expect(record.value).toBe(old.value);
    }
  });
});

describe('a change that would break an older consumer fails the check', () => {
  const current = baselineOf(TOPIC_CATALOG.find((t) => t.topic === 'organization.events.v1')!);
  const changed = (type: keyof typeof organizationEventSchemas, schema: z.ZodTypeAny): TopicBaseline => ({
    ...current,
    types: { ...current.types, [type]: jsonSchemaOf(schema) },
  });
  const memberAdded = organizationEventSchemas.MemberAdded;

  it.each([
    ['an optional field added (strict consumers refuse it)', memberAdded.extend({ invitedBy: z.string().optional() }), /MemberAdded\.invitedBy: added/],
    ['a required field added', memberAdded.extend({ invitedBy: z.string() }), /MemberAdded\.invitedBy: now required/],
    ['a field removed', memberAdded.omit({ email: true }), /MemberAdded\.email: removed/],
    ['a field made optional', memberAdded.extend({ email: z.string().optional() }), /MemberAdded\.email: no longer required/],
    ['a field’s type changed', memberAdded.extend({ userId: z.number() }), /MemberAdded\.userId: type changed/],
    ['an enum widened', memberAdded.extend({ role: z.enum(['Admin', 'Developer', 'Agent', 'Owner']) }), /MemberAdded\.role: enum gained \["Owner"\]/],
    ['an enum narrowed', memberAdded.extend({ role: z.enum(['Admin', 'Developer']) }), /MemberAdded\.role: enum lost \["Agent"\]/],
    ['a format added', memberAdded.extend({ email: z.string().email() }), /MemberAdded\.email: format changed/],
    ['a constraint tightened', memberAdded.extend({ userId: z.string().min(3) }), /MemberAdded\.userId: minLength changed/],
    ['strictness dropped', memberAdded.passthrough(), /MemberAdded: additionalProperties changed/],
  ])('%s', (_name, schema, reason) => {
    const breaks = topicBreaks(current, changed('MemberAdded', schema));
    expect(breaks.length).toBeGreaterThan(0);
    expect(breaks.join('\n')).toMatch(reason);
  });

  it('an event type removed', () => {
    const { MemberAdded: _gone, ...types } = current.types;
    expect(topicBreaks(current, { ...current, types })).toEqual(['MemberAdded: removed, and older messages of this type would be dead-lettered']);
  });

  it('an envelope field changed', () => {
    expect(topicBreaks(current, { ...current, envelope: { ...current.envelope!, required: [...(current.envelope!.required as string[]), 'correlationId'] } })).toEqual([
      'envelope.correlationId: now required, and older messages may lack it',
    ]);
  });

  it('a new event type is additive (allowed within the topic version)', () => {
    expect(topicBreaks(current, { ...current, types: { ...current.types, MemberSuspended: jsonSchemaOf(z.object({ organizationId: z.string() }).strict()) } })).toEqual([]);
  });

  it('descriptions may change', () => {
    expect(schemaBreaks(jsonSchemaOf(memberAdded), jsonSchemaOf(memberAdded.describe('a member joined')))).toEqual([]);
  });
});
