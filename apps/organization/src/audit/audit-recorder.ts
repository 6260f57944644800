import { EventStore } from '@lib/eventstore';
import { BusMessage, deadLetterTopic, derivedEventId, HEADER, MessageBus } from '@lib/messaging';
import { Region, regionOfOrganization } from '@lib/contracts';
import { auditStream, ExternalAuditData } from './audit.events';

/** why an audit event cannot be recorded here, or null */
export type Refusal = string | null;

/**
 * Records other services' audit events in organizations' trails. The event id is derived from (source,
 * source event id): the store answers a repeated append with the first append's result, so a redelivered
 * or re-published event is recorded once.
 */
export class AuditRecorder {
  constructor(
    private readonly store: EventStore,
    private readonly region: Region,
    /** whether the organization exists here (the write model decides, not a projection) */
    private readonly exists: (organizationId: string) => Promise<boolean>,
  ) {}

  /** the reason an organization's trail is not ours to write, or null */
  async refusal(organizationId: string): Promise<Refusal> {
    const region = regionOfOrganization(organizationId);
    if (!region) return `organizationId ${JSON.stringify(organizationId.slice(0, 100))} is not an organization id`;
    if (region !== this.region) return `organization ${organizationId} is in region ${region}; this stack serves ${this.region}`;
    if (!(await this.exists(organizationId))) return `organization ${organizationId} does not exist in region ${this.region}`;
    return null;
  }

  async record(entry: ExternalAuditData): Promise<void> {
    await this.store.append(
      auditStream(entry.organizationId),
      [
        {
          id: derivedEventId('organization-audit', `${entry.source}\u0000${entry.sourceEventId}`),
          type: 'ExternalAuditRecorded',
          data: entry,
          metadata: { at: entry.time, actor: entry.actor, causationId: entry.sourceEventId },
        },
      ],
      { expectedRevision: 'any' },
    );
  }
}

/** sends a record this consumer refused after parsing (another region, unknown organization) to the topic's DLQ */
export async function deadLetter(bus: MessageBus, topic: string, group: string, message: BusMessage, reason: string) {
  await bus.publish([
    {
      topic: deadLetterTopic(topic),
      key: message.key,
      value: message.value,
      headers: { ...message.headers, [HEADER.deadLetterReason]: reason, [HEADER.deadLetterSourceTopic]: topic, [HEADER.deadLetterGroup]: group },
    },
  ]);
}
