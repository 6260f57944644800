import { envelopeSchema, parseEnvelope, toBusMessage } from './envelope';
import { IDENTITY_EVENTS_TOPIC, identityEventSchemas } from './identity.events.v1';
import { ORGANIZATION_EVENTS_TOPIC, organizationEventSchemas } from './organization.events.v1';

/*
 * parseEnvelope(message, schemas): the JSON envelope is validated first (strictly), then `data` against
 * the schema of its `type`. Failures are `{ ok: false, reason }`, the reason naming what is wrong.
 */

const ORG = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
const EVENT_ID = '0b8f3a4e-3c1d-4f6a-9b2e-1d2c3b4a5f60';

const memberAdded = {
  id: EVENT_ID,
  type: 'MemberAdded',
  schemaVersion: 1,
  source: 'organization',
  subject: ORG,
  sourceRevision: 7,
  occurredAt: '2025-03-10T12:00:00.000Z',
  correlationId: 'corr-1',
  data: { organizationId: ORG, userId: 'u-bob', email: 'bob@acme.test', role: 'Developer' },
};
const userRegistered = {
  id: EVENT_ID,
  type: 'UserRegistered',
  schemaVersion: 1,
  source: 'identity',
  subject: 'u-bob',
  sourceRevision: 0,
  occurredAt: '2025-03-10T12:00:00.000Z',
  data: { userId: 'u-bob', email: 'bob@acme.test', displayName: 'Bob' },
};

const message = (value: unknown, topic = ORGANIZATION_EVENTS_TOPIC) => ({
  topic,
  key: ORG,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  headers: {},
});
const org = (value: unknown) => parseEnvelope(message(value), organizationEventSchemas);
const identity = (value: unknown) => parseEnvelope(message(value, IDENTITY_EVENTS_TOPIC), identityEventSchemas);

/** the failure's reason, or a failed expectation if it parsed */
function reasonOf(result: ReturnType<typeof org> | ReturnType<typeof identity>): string {
  expect(result.ok).toBe(false);
  return (result as { ok: false; reason: string }).reason;
}

const without = <T extends Record<string, unknown>>(value: T, key: keyof T) => {
  const copy: Record<string, unknown> = { ...value };
  delete copy[key as string];
  return copy;
};

describe('valid messages', () => {
  it('an organization event → ok, with the envelope and its typed data', () => {
    expect(org(memberAdded)).toStrictEqual({ ok: true, value: memberAdded });
  });

  it('an identity event → ok', () => {
    expect(identity(userRegistered)).toStrictEqual({ ok: true, value: userRegistered });
  });

  it('without the optional correlationId → ok', () => {
    const value = without(memberAdded, 'correlationId');
    expect(org(value)).toStrictEqual({ ok: true, value });
  });

  it.each([
    ['OrganizationProvisioned', { organizationId: ORG, name: 'Acme', region: 'eu' }],
    ['OrganizationRenamed', { organizationId: ORG, name: 'Acme Corp' }],
    ['OrganizationSuspended', { organizationId: ORG }],
    ['OrganizationReactivated', { organizationId: ORG }],
    ['MemberAdded', { organizationId: ORG, userId: 'u', email: 'e@x.test', role: 'Agent' }],
    ['MemberRoleChanged', { organizationId: ORG, userId: 'u', role: 'Admin' }],
    ['MemberRemoved', { organizationId: ORG, userId: 'u' }],
    ['InvitationCreated', { organizationId: ORG, invitationId: 'i', email: 'e@x.test', role: 'Developer', expiresAt: '2025-03-17T12:00:00.000Z' }],
    ['InvitationRevoked', { organizationId: ORG, invitationId: 'i', email: 'e@x.test' }],
    ['InvitationAccepted', { organizationId: ORG, invitationId: 'i', email: 'e@x.test', userId: 'u' }],
  ])('every organization event type parses: %s', (type, data) => {
    const value = { ...memberAdded, type, data };
    expect(org(value)).toStrictEqual({ ok: true, value });
  });

  it('round-trips through toBusMessage, which keys by subject and sets the headers', () => {
    const bus = toBusMessage(ORGANIZATION_EVENTS_TOPIC, memberAdded as never);
    expect(bus).toEqual({
      topic: ORGANIZATION_EVENTS_TOPIC,
      key: ORG,
      value: JSON.stringify(memberAdded),
      headers: {
        ce_id: EVENT_ID,
        ce_source: '/services/organization',
        ce_type: 'io.controlplane.MemberAdded',
        ce_specversion: '1.0',
        ce_time: '2025-03-10T12:00:00.000Z',
        ce_subject: ORG,
        'content-type': 'application/json',
        'event-id': EVENT_ID,
        'event-type': 'MemberAdded',
        'schema-version': '1',
        'correlation-id': 'corr-1',
      },
    });
    expect(parseEnvelope(bus, organizationEventSchemas)).toStrictEqual({ ok: true, value: memberAdded });
  });

  it('toBusMessage leaves out the correlation-id header when there is none', () => {
    const bus = toBusMessage(IDENTITY_EVENTS_TOPIC, userRegistered as never);
    expect(bus.headers).not.toHaveProperty('correlation-id');
    expect(bus.headers).toMatchObject({ 'event-id': EVENT_ID, 'event-type': 'UserRegistered', 'schema-version': '1', ce_subject: 'u-bob' });
  });
});

describe('not JSON', () => {
  it.each(['{oops', '', 'undefined', "{'single': 'quotes'}", JSON.stringify(memberAdded).slice(0, -1)])('%j', (value) => {
    expect(reasonOf(org(value))).toMatch(/^not JSON: .+/);
  });
});

describe('not an object', () => {
  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '42'],
  ])('%s → invalid envelope at the root', (_name, value) => {
    expect(reasonOf(org(value))).toMatch(/^invalid envelope: \(root\): Expected object, received /);
  });
});

describe('missing envelope fields', () => {
  it.each(['id', 'type', 'source', 'subject', 'sourceRevision', 'occurredAt'] as const)('without %s', (field) => {
    expect(reasonOf(org(without(memberAdded, field)))).toBe(`invalid envelope: ${field}: Required`);
  });

  it('without schemaVersion (a literal: zod reports the expected value)', () => {
    expect(reasonOf(org(without(memberAdded, 'schemaVersion')))).toBe('invalid envelope: schemaVersion: Invalid literal value, expected 1');
  });

  it('names every missing field', () => {
    expect(reasonOf(org({ type: 'MemberAdded', data: memberAdded.data }))).toBe(
      'invalid envelope: id: Required; schemaVersion: Invalid literal value, expected 1; source: Required; subject: Required; sourceRevision: Required; occurredAt: Required',
    );
  });

  it('without data → the event’s schema refuses it at its root', () => {
    expect(reasonOf(org(without(memberAdded, 'data')))).toBe('invalid MemberAdded: (root): Required');
  });
});

describe('invalid envelope fields', () => {
  it.each([
    ['id is not a UUID', { id: 'not-a-uuid' }, /^invalid envelope: id: Invalid uuid$/],
    ['type is empty', { type: '' }, /^invalid envelope: type: /],
    ['schemaVersion is 2', { schemaVersion: 2 }, /^invalid envelope: schemaVersion: Invalid literal value, expected 1$/],
    ['schemaVersion is "1" (a string)', { schemaVersion: '1' }, /^invalid envelope: schemaVersion: /],
    ['source is unknown', { source: 'billing' }, /^invalid envelope: source: Invalid enum value\. .*received 'billing'$/],
    ['subject is empty', { subject: '' }, /^invalid envelope: subject: /],
    ['sourceRevision is negative', { sourceRevision: -1 }, /^invalid envelope: sourceRevision: Number must be greater than or equal to 0$/],
    ['sourceRevision is a fraction', { sourceRevision: 1.5 }, /^invalid envelope: sourceRevision: Expected integer, received float$/],
    ['sourceRevision is a string', { sourceRevision: '7' }, /^invalid envelope: sourceRevision: Expected number, received string$/],
    ['occurredAt is not a datetime', { occurredAt: '2025-03-10' }, /^invalid envelope: occurredAt: Invalid datetime$/],
    ['correlationId is a number', { correlationId: 42 }, /^invalid envelope: correlationId: Expected string, received number$/],
  ])('%s', (_name, change, reason) => {
    expect(reasonOf(org({ ...memberAdded, ...change }))).toMatch(reason);
  });

  it('names every invalid field at once', () => {
    const reason = reasonOf(org({ ...memberAdded, id: 'x', sourceRevision: -3 }));
    expect(reason).toBe('invalid envelope: id: Invalid uuid; sourceRevision: Number must be greater than or equal to 0');
  });
});

describe('unknown type', () => {
  it('a type the topic does not carry → unknown event type, named', () => {
    expect(org({ ...memberAdded, type: 'MemberPromoted' })).toStrictEqual({ ok: false, reason: 'unknown event type MemberPromoted' });
  });

  it('an identity event on the organization topic → unknown event type', () => {
    expect(org(userRegistered)).toStrictEqual({ ok: false, reason: 'unknown event type UserRegistered' });
  });

  it('an organization event on the identity topic → unknown event type', () => {
    expect(identity(memberAdded)).toStrictEqual({ ok: false, reason: 'unknown event type MemberAdded' });
  });

  it('type names are case-sensitive', () => {
    expect(org({ ...memberAdded, type: 'memberadded' })).toStrictEqual({ ok: false, reason: 'unknown event type memberadded' });
  });
});

describe('wrong data', () => {
  it.each([
    [
      'an unknown role',
      { ...memberAdded.data, role: 'Owner' },
      "invalid MemberAdded: role: Invalid enum value. Expected 'Admin' | 'Developer' | 'Agent', received 'Owner'",
    ],
    ['a missing userId', without(memberAdded.data, 'userId'), 'invalid MemberAdded: userId: Required'],
    ['an empty organizationId', { ...memberAdded.data, organizationId: '' }, 'invalid MemberAdded: organizationId: String must contain at least 1 character(s)'],
    ['a number for email', { ...memberAdded.data, email: 5 }, 'invalid MemberAdded: email: Expected string, received number'],
    ['data that is not an object', 'bob', 'invalid MemberAdded: (root): Expected object, received string'],
    ['null data', null, 'invalid MemberAdded: (root): Expected object, received null'],
  ])('%s', (_name, data, reason) => {
    expect(org({ ...memberAdded, data })).toStrictEqual({ ok: false, reason });
  });

  it('a provisioning in an unknown region', () => {
    const reason = reasonOf(org({ ...memberAdded, type: 'OrganizationProvisioned', data: { organizationId: ORG, name: 'Acme', region: 'mars' } }));
    expect(reason).toBe("invalid OrganizationProvisioned: region: Invalid enum value. Expected 'us' | 'eu' | 'apac', received 'mars'");
  });

  it('an invitation whose expiry is not a datetime', () => {
    const data = { organizationId: ORG, invitationId: 'i', email: 'e@x.test', role: 'Agent', expiresAt: 'tomorrow' };
    expect(reasonOf(org({ ...memberAdded, type: 'InvitationCreated', data }))).toBe('invalid InvitationCreated: expiresAt: Invalid datetime');
  });

  it('a user registration with an invalid email', () => {
    const data = { ...userRegistered.data, email: 'not-an-email' };
    expect(identity({ ...userRegistered, data })).toStrictEqual({ ok: false, reason: 'invalid UserRegistered: email: Invalid email' });
  });

  it('names every problem in the data at once', () => {
    const reason = reasonOf(org({ ...memberAdded, data: { organizationId: ORG, email: 'e', role: 'Owner' } }));
    expect(reason).toMatch(/^invalid MemberAdded: /);
    expect(reason).toContain('userId: Required');
    expect(reason).toContain('role: Invalid enum value');
  });
});

describe('extra fields', () => {
  it('an extra envelope field → refused, naming the field', () => {
    expect(org({ ...memberAdded, extra: true })).toStrictEqual({
      ok: false,
      reason: "invalid envelope: (root): Unrecognized key(s) in object: 'extra'",
    });
  });

  it('an extra data field → refused, naming the field', () => {
    expect(org({ ...memberAdded, data: { ...memberAdded.data, via: 'invitation' } })).toStrictEqual({
      ok: false,
      reason: "invalid MemberAdded: (root): Unrecognized key(s) in object: 'via'",
    });
  });

  it('an extra data field on an identity event → refused', () => {
    expect(identity({ ...userRegistered, data: { ...userRegistered.data, passwordHash: 'h' } })).toStrictEqual({
      ok: false,
      reason: "invalid UserRegistered: (root): Unrecognized key(s) in object: 'passwordHash'",
    });
  });

  it('the envelope is checked before the type: an extra field on an unknown type is an envelope problem', () => {
    expect(reasonOf(org({ ...memberAdded, type: 'Nope', extra: 1 }))).toBe("invalid envelope: (root): Unrecognized key(s) in object: 'extra'");
  });
});

it('the envelope schema accepts exactly the documented fields', () => {
  expect(Object.keys(envelopeSchema.shape).sort()).toEqual(
    ['correlationId', 'data', 'id', 'occurredAt', 'schemaVersion', 'source', 'sourceRevision', 'subject', 'type'].sort(),
  );
});
