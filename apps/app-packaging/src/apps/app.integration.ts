import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { AppAuditAction, Envelope, PACKAGING_EVENTS_TOPIC, toBusMessage } from '@lib/contracts';
import { derivedEventId } from '@lib/messaging';
import { envelopeBase, unknownEvent } from '@lib/service-kit';
import { APP_STREAM_PREFIX, AppEvent } from './app.events';

/** app-packaging publishes the lifecycle of apps, and an AppAudited event per action; definitions stay inside */
export function toIntegrationMessage(event: RecordedEvent): BusMessage | BusMessage[] | null {
  const lifecycle = lifecycleMessage(event);
  const audited = auditMessage(event);
  if (!audited) return lifecycle;
  return lifecycle ? [lifecycle, audited] : audited;
}

/**
 * What an organization's audit trail shows of an app action: who did it, and for exports and imports the
 * package's SHA-256. Its id is derived from the stored event's, so a republished event has the same id.
 */
export function auditMessage(event: RecordedEvent): BusMessage | null {
  if (!event.streamName.startsWith(APP_STREAM_PREFIX)) return null;
  const e = { type: event.type, data: event.data } as AppEvent;
  const organizationId = String(event.metadata.organizationId ?? '');
  if (!organizationId) return null;
  let action: AppAuditAction;
  let details: Record<string, string | number | boolean | null>;
  switch (e.type) {
    case 'AppCreated':
      action = e.data.origin ? 'app.imported' : 'app.created';
      details = e.data.origin
        ? {
            name: e.data.name,
            sha256: e.data.origin.packageSha256,
            sourceOrganizationId: e.data.origin.sourceOrganizationId,
            sourceRegion: e.data.origin.sourceRegion,
            sourceVersion: e.data.origin.sourceVersion,
            crossRegion: e.data.origin.crossRegion,
          }
        : { name: e.data.name };
      break;
    case 'AppUpdated':
      action = 'app.updated';
      details = { name: e.data.name, version: e.data.version };
      break;
    case 'AppUpgraded':
      // an upgrade is an import into an existing app
      action = 'app.imported';
      details = {
        name: e.data.name,
        version: e.data.version,
        sha256: e.data.origin.packageSha256,
        sourceOrganizationId: e.data.origin.sourceOrganizationId,
        sourceRegion: e.data.origin.sourceRegion,
        sourceVersion: e.data.origin.sourceVersion,
        crossRegion: e.data.origin.crossRegion,
        upgrade: true,
      };
      break;
    case 'AppRolledBack':
      action = 'app.updated';
      details = { name: e.data.name, version: e.data.version, restoredVersion: e.data.restoredVersion };
      break;
    case 'AppSettingsChanged':
      action = 'app.updated';
      details = { settings: Object.keys(e.data.settings ?? {}).join(',') };
      break;
    case 'SlotBound':
      action = 'app.bound';
      details = { slot: e.data.slot, resourceId: e.data.resourceId };
      break;
    case 'AppPublished':
      action = 'app.published';
      details = { version: e.data.version };
      break;
    case 'AppExported':
      action = 'app.exported';
      details = { exportId: e.data.exportId, version: e.data.version, sha256: e.data.sha256, size: e.data.size, fileName: e.data.fileName };
      break;
    case 'BindingPlanProposed':
    case 'SlotUnbound':
      return null;
    default:
      return unknownEvent(e);
  }
  const envelope: Envelope = {
    ...envelopeBase(event, 'app-packaging', organizationId),
    id: derivedEventId('app-packaging-audit', event.id),
    type: 'AppAudited',
    data: { organizationId, appId: e.data.appId, action, actor: String(event.metadata.actor ?? 'unknown'), details },
  };
  return toBusMessage(PACKAGING_EVENTS_TOPIC, envelope);
}

function lifecycleMessage(event: RecordedEvent): BusMessage | null {
  if (!event.streamName.startsWith(APP_STREAM_PREFIX)) return null;
  const e = { type: event.type, data: event.data } as AppEvent;
  const organizationId = String(event.metadata.organizationId ?? '');
  const base = envelopeBase(event, 'app-packaging', organizationId || e.data.appId);
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
    case 'AppUpdated': // internal: definitions, bindings, versions and settings stay inside app-packaging
    case 'BindingPlanProposed':
    case 'SlotBound':
    case 'AppExported':
    case 'AppUpgraded':
    case 'AppRolledBack':
    case 'AppSettingsChanged':
      return null;
    default:
      return unknownEvent(e);
  }
}
