import { BusMessage, derivedEventId } from '@lib/messaging';
import { EventMetadata } from '@lib/eventstore';
import { OrganizationIntegrationEvent, organizationEventSchemas, parseEnvelope } from '@lib/contracts';
import { Injectable } from '@nestjs/common';
import { IntegrationEventHandler } from '@lib/service-kit';
import { ResourceReleaseService } from '../apps/resource-release.service';
import { OrgDirectoryRepository } from './org-directory.repository';
import { OrgDirectoryCommand } from './org-directory.decider';

export const parseOrganizationMessage = (message: BusMessage) => parseEnvelope(message, organizationEventSchemas);

/**
 * Records organization, membership and resource changes in app-packaging's own log; when a resource is
 * disabled or deleted, every app bound to it goes back to "needs configuration".
 */
@Injectable()
export class OrganizationEventsConsumer implements IntegrationEventHandler<OrganizationIntegrationEvent> {
  constructor(
    private readonly directory: OrgDirectoryRepository,
    private readonly release: ResourceReleaseService,
  ) {}

  handle(event: OrganizationIntegrationEvent) {
    return handleOrganizationMessage(this.directory, this.release, event);
  }
}

async function handleOrganizationMessage(directory: OrgDirectoryRepository, release: ResourceReleaseService, event: OrganizationIntegrationEvent) {
  const metadata: EventMetadata = {
    at: event.occurredAt,
    actor: 'system:organization',
    causationId: event.id,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
  };
  const sourceRevision = event.sourceRevision;
  const organizationId = event.data.organizationId;
  let command: OrgDirectoryCommand | null = null;
  switch (event.type) {
    case 'OrganizationProvisioned':
      command = { type: 'RecordOrganization', change: { name: event.data.name, region: event.data.region, status: 'active' }, sourceRevision };
      break;
    case 'OrganizationRenamed':
      command = { type: 'RecordOrganization', change: { name: event.data.name }, sourceRevision };
      break;
    case 'OrganizationSuspended':
    case 'OrganizationReactivated':
      command = {
        type: 'RecordOrganization',
        change: { status: event.type === 'OrganizationSuspended' ? 'suspended' : 'active' },
        sourceRevision,
      };
      break;
    case 'MemberAdded':
    case 'MemberRoleChanged':
      command = { type: 'RecordMembership', userId: event.data.userId, role: event.data.role, sourceRevision };
      break;
    case 'MemberRemoved':
      command = { type: 'RecordMembership', userId: event.data.userId, role: null, sourceRevision };
      break;
    case 'ResourceCreated':
    case 'ResourceUpdated':
    case 'ResourceDisabled':
    case 'ResourceEnabled':
    case 'ResourceDeleted': {
      const { resourceId, resourceType, kind, name, status } = event.data;
      command = {
        type: 'RecordResource',
        resource: { resourceId, type: resourceType, kind, name, status: status === 'disabled' ? 'disabled' : 'active' },
        deleted: status === 'deleted',
        sourceRevision,
      };
      break;
    }
    default:
      return;
  }
  await directory.handle(organizationId, command, metadata, { eventIds: (i) => derivedEventId('app-packaging', event.id, i) });

  if (event.type === 'ResourceDisabled' || event.type === 'ResourceDeleted') {
    await release.releaseResource(organizationId, event.data.resourceId, event.type === 'ResourceDisabled' ? 'resource-disabled' : 'resource-deleted', {
      ...metadata,
    }, event.id);
  }
}
