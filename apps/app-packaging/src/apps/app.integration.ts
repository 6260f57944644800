import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { unknownEvent } from '@lib/service-kit';
import { PACKAGING_EVENTS_TOPIC, toBusMessage } from '@lib/contracts';
import { APP_STREAM_PREFIX, AppEvent } from './app.events';

/** app-packaging publishes the lifecycle of apps; definitions and bindings stay inside */
export function toIntegrationMessage(event: RecordedEvent): BusMessage | null {
  if (!event.streamName.startsWith(APP_STREAM_PREFIX)) return null;
  const e = { type: event.type, data: event.data } as AppEvent;
  const organizationId = String(event.metadata.organizationId ?? '');
  const base = {
    id: event.id,
    schemaVersion: 1 as const,
    source: 'app-packaging' as const,
    subject: organizationId || e.data.appId,
    sourceRevision: event.revision,
    occurredAt: String(event.metadata.at ?? event.recordedAt),
    ...(typeof event.metadata.correlationId === 'string' ? { correlationId: event.metadata.correlationId } : {}),
  };
  switch (e.type) {
    case 'AppCreated':
      return toBusMessage(PACKAGING_EVENTS_TOPIC, {
        ...base,
        subject: e.data.organizationId,
        type: e.data.origin ? 'AppImported' : 'AppCreated',
        data: { organizationId: e.data.organizationId, appId: e.data.appId, name: e.data.name },
      });
    case 'AppPublished':
      return toBusMessage(PACKAGING_EVENTS_TOPIC, { ...base, type: 'AppPublished', data: { organizationId, appId: e.data.appId, version: e.data.version } });
    case 'SlotUnbound':
      return toBusMessage(PACKAGING_EVENTS_TOPIC, {
        ...base,
        type: 'AppNeedsConfiguration',
        data: { organizationId, appId: e.data.appId, slot: e.data.slot, reason: e.data.reason },
      });
    case 'AppUpdated': // internal: definitions and bindings stay inside app-packaging
    case 'BindingPlanProposed':
    case 'SlotBound':
    case 'AppExported':
      return null;
    default:
      return unknownEvent(e);
  }
}
