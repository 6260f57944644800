import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { consume, MessageBus } from '@lib/messaging';
import { EventStore } from '@lib/eventstore';
import { EVENT_STORE, MESSAGE_BUS, SERVICE_CONFIG } from '@lib/service-kit';
import { OrganizationConfig } from '../config';
import { OrganizationRepository } from '../organizations/organization.repository';
import { deadLetterLogger, logger, observedHandler } from '@lib/platform';
import {
  AUDIT_INGEST_TOPIC,
  AuditIngestEvent,
  PACKAGING_EVENTS_TOPIC,
  PackagingIntegrationEvent,
  packagingEventSchemas,
  parseAuditIngest,
  parseEnvelope,
} from '@lib/contracts';
import { AuditRecorder, deadLetter } from './audit-recorder';

/** one consumer group per topic: kafkajs members of one group must subscribe to the same topics */
const INGEST_GROUP = 'organization-audit-ingest';
const PACKAGING_GROUP = 'organization-audit-packaging';

/** audit.ingest.v1 → the organization's trail, attributed to the record's ce_source; refusals are dead letters */
export async function handleAuditIngest(recorder: AuditRecorder, bus: MessageBus, event: AuditIngestEvent, message: Parameters<typeof deadLetter>[3]) {
  const refusal = await recorder.refusal(event.data.organizationId);
  if (refusal) {
    await deadLetter(bus, AUDIT_INGEST_TOPIC, INGEST_GROUP, message, refusal);
    deadLetterLogger('organization', AUDIT_INGEST_TOPIC)(message, refusal);
    return;
  }
  const { organizationId, actor, action, subject, details, time } = event.data;
  await recorder.record({ organizationId, source: event.source, sourceEventId: event.id, actor, action, subject, details, time });
}

/** app-packaging's AppAudited events → the app's organization's trail (other packaging events are not audit entries) */
export async function handlePackagingAudit(recorder: AuditRecorder, event: PackagingIntegrationEvent) {
  if (event.type !== 'AppAudited') return;
  const { organizationId, appId, action, actor, details } = event.data;
  if (await recorder.refusal(organizationId)) {
    // packaging only serves organizations of this region; one that is gone has no trail to write
    logger('organization').warn({ organizationId, eventId: event.id }, 'audit: app event of an unknown organization ignored');
    return;
  }
  await recorder.record({ organizationId, source: event.source, sourceEventId: event.id, actor, action, subject: `app:${appId}`, details, time: event.occurredAt });
}

export async function startAuditConsumers(bus: MessageBus, recorder: AuditRecorder) {
  await consume({
    bus,
    topic: AUDIT_INGEST_TOPIC,
    group: INGEST_GROUP,
    parse: parseAuditIngest,
    handle: (event, message) => handleAuditIngest(recorder, bus, event, message),
    onDeadLetter: deadLetterLogger('organization', AUDIT_INGEST_TOPIC),
  });
  await consume({
    bus,
    topic: PACKAGING_EVENTS_TOPIC,
    group: PACKAGING_GROUP,
    parse: (message) => parseEnvelope(message, packagingEventSchemas),
    handle: observedHandler('organization', PACKAGING_EVENTS_TOPIC, (event: PackagingIntegrationEvent) => handlePackagingAudit(recorder, event)),
    onDeadLetter: deadLetterLogger('organization', PACKAGING_EVENTS_TOPIC),
  });
}

/**
 * Subscribes the audit consumers in their own consumer groups (the kit subscribes its declared consumers in
 * the service's group; kafkajs members of one group must subscribe to the same topics). Like the kit's
 * consumers, they subscribe in onModuleInit, before any relay publishes.
 */
@Injectable()
export class AuditConsumers implements OnModuleInit {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SERVICE_CONFIG) private readonly config: OrganizationConfig,
    private readonly organizations: OrganizationRepository,
  ) {}

  async onModuleInit() {
    const exists = async (id: string) => (await this.organizations.load(id)).state.exists;
    await startAuditConsumers(this.bus, new AuditRecorder(this.store, this.config.REGION, exists));
  }
}
