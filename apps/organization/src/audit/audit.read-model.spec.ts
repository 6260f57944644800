import { ReadModelDatabase, RecordedEvent } from '@lib/eventstore';
import { ORGANIZATION_EVENT_TYPES } from '../organizations/organization.events';
import { auditProjection, queryAudit } from './audit.read-model';

/* given (recorded events of the four streams the audit reads) / then (the entries the audit endpoint returns) */

const ORG = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
let position = 0;
const recorded = (streamName: string, type: string, data: Record<string, unknown>, revision: number, actor = 'usr-ada'): RecordedEvent => ({
  id: `ev-${++position}`,
  type,
  data,
  metadata: { at: `2025-03-01T09:00:0${position}.000Z`, actor },
  streamName,
  revision,
  position,
  recordedAt: '2099-01-01T00:00:00.000Z',
});

function given(events: RecordedEvent[]) {
  const readModels = new ReadModelDatabase(':memory:');
  auditProjection.setup(readModels.db);
  for (const event of events) if (auditProjection.handles.includes(event.type)) auditProjection.apply(event, readModels.db);
  return readModels;
}

describe('audit projection', () => {
  it('reads every organization event type, the API keys, the webhooks and what other services recorded', () => {
    for (const type of ORGANIZATION_EVENT_TYPES) expect(auditProjection.handles).toContain(type);
    expect(auditProjection.handles).toEqual(expect.arrayContaining(['ApiKeyCreated', 'ApiKeyRevoked', 'WebhookEndpointRegistered', 'ExternalAuditRecorded']));
  });

  it('describes each for people, newest first, with its revision or its producer', () => {
    const readModels = given([
      recorded(`org-${ORG}`, 'MemberAdded', { organizationId: ORG, userId: 'usr-bob', email: 'bob@example.com', role: 'Developer', via: 'invitation' }, 3),
      recorded(`api-key-${ORG}-k1`, 'ApiKeyCreated', {
        keyId: 'k1', organizationId: ORG, name: 'ci', role: 'Developer', secretHash: 'h', createdBy: 'usr-ada', createdAt: '2025-03-01T09:00:02.000Z',
      }, 0),
      recorded(`audit-${ORG}`, 'ExternalAuditRecorded', {
        organizationId: ORG, source: 'studio', sourceEventId: 'e-9', actor: 'usr-bob', action: 'flow.saved', subject: 'flow:1', details: { size: 3 },
        time: '2025-03-01T09:00:03.000Z',
      }, 0, 'system'),
    ]);
    const page = queryAudit(readModels.db, ORG, {}, undefined, 10);
    expect(page.items.map((i) => [i.action, i.actor, i.subject])).toEqual([
      ['flow.saved', 'usr-bob', 'flow:1'],
      ['api_key.created', 'usr-ada', 'key:k1'],
      ['member.added', 'usr-ada', 'user:usr-bob'],
    ]);
    expect(page.items[0]).toMatchObject({ source: 'studio', eventId: 'e-9', details: { size: 3 } });
    expect(page.items[2]).toMatchObject({ revision: 3, details: { userId: 'usr-bob', role: 'Developer' } });
    expect(JSON.stringify(page.items)).not.toContain('secretHash');
    readModels.close();
  });

  it('applies an event once: a replay of the same position changes nothing', () => {
    const event = recorded(`org-${ORG}`, 'OrganizationRenamed', { organizationId: ORG, name: 'Acme' }, 1);
    const readModels = given([event, event]);
    expect(queryAudit(readModels.db, ORG, {}, undefined, 10).items).toHaveLength(1);
    readModels.close();
  });
});
