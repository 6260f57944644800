import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { envelopeBase, unknownEvent } from '@lib/service-kit';
import { Envelope, ORGANIZATION_EVENTS_TOPIC, OrganizationIntegrationEvent, toBusMessage } from '@lib/contracts';
import { ORGANIZATION_STREAM_PREFIX, OrganizationEvent, ResourceRef } from './organization.events';

/** the integration event published for a stored organization event (the outbox relay's mapping) */
export function toIntegrationMessage(event: RecordedEvent): BusMessage | null {
  if (!event.streamName.startsWith(ORGANIZATION_STREAM_PREFIX)) return null;
  const e = { type: event.type, data: event.data } as OrganizationEvent;
  const base = envelopeBase(event, 'organization', e.data.organizationId);
  let integration: OrganizationIntegrationEvent;
  switch (e.type) {
    case 'OrganizationProvisioned':
      integration = { ...base, type: e.type, data: { organizationId: e.data.organizationId, name: e.data.name, region: e.data.region } };
      break;
    case 'OrganizationRenamed':
      integration = { ...base, type: e.type, data: { organizationId: e.data.organizationId, name: e.data.name } };
      break;
    case 'OrganizationSuspended':
    case 'OrganizationReactivated':
      integration = { ...base, type: e.type, data: { organizationId: e.data.organizationId } };
      break;
    case 'MemberAdded':
      integration = {
        ...base,
        type: e.type,
        data: { organizationId: e.data.organizationId, userId: e.data.userId, email: e.data.email, role: e.data.role },
      };
      break;
    case 'MemberRoleChanged':
      integration = { ...base, type: e.type, data: { organizationId: e.data.organizationId, userId: e.data.userId, role: e.data.to } };
      break;
    case 'MemberRemoved':
      integration = { ...base, type: e.type, data: { organizationId: e.data.organizationId, userId: e.data.userId } };
      break;
    case 'InvitationCreated':
      integration = { ...base, type: e.type, data: { ...e.data } };
      break;
    case 'InvitationRevoked':
      integration = { ...base, type: e.type, data: { ...e.data } };
      break;
    case 'InvitationAccepted':
      integration = { ...base, type: e.type, data: { ...e.data } };
      break;
    case 'InvitationDeclined':
      integration = { ...base, type: e.type, data: { ...e.data } };
      break;
    case 'InvitationResent':
      integration = { ...base, type: e.type, data: { ...e.data } };
      break;
    case 'ResourceCreated':
    case 'ResourceUpdated':
    case 'ResourceDisabled':
    case 'ResourceEnabled':
    case 'ResourceDeleted': {
      const d = e.data;
      const status = e.type === 'ResourceCreated' ? 'active' : e.type === 'ResourceDeleted' ? 'deleted' : (d as ResourceRef).status;
      const data = { organizationId: d.organizationId, resourceId: d.resourceId, resourceType: d.type, kind: d.kind, name: d.name, status } as const;
      integration = { ...base, type: e.type, data } as OrganizationIntegrationEvent;
      break;
    }
    case 'OrganizationMfaRequirementChanged':
      integration = { ...base, type: e.type, data: { organizationId: e.data.organizationId, required: e.data.required } };
      break;
    case 'OrganizationKeyIssued': // internal: the wrapped key never leaves the service
      return null;
    default:
      return unknownEvent(e);
  }
  return toBusMessage(ORGANIZATION_EVENTS_TOPIC, integration as Envelope);
}
