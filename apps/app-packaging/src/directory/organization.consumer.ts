import { BusMessage, derivedEventId } from '@lib/messaging';
import { EventMetadata, EventStore, recordBatch } from '@lib/eventstore';
import { OrganizationIntegrationEvent, organizationEventSchemas, parseEnvelope } from '@lib/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, IntegrationEventHandler } from '@lib/service-kit';
import { ResourceReleaseService } from '../apps/resource-release.service';
import { OrgDirectoryRepository } from './org-directory.repository';
import { OrgDirectoryCommand } from './org-directory.decider';

export const parseOrganizationMessage = (message: BusMessage) => parseEnvelope(message, organizationEventSchemas);

/** what the consumer records into */
interface Recorders {
  directory: OrgDirectoryRepository;
  release: ResourceReleaseService;
  store: EventStore;
}

/** the kit subscribes it in batches (handleBatch); `handle` is the single-event path */
@Injectable()
export class OrganizationEventsConsumer implements IntegrationEventHandler<OrganizationIntegrationEvent> {
  constructor(
    readonly directory: OrgDirectoryRepository,
    readonly release: ResourceReleaseService,
    @Inject(EVENT_STORE) readonly store: EventStore,
  ) {}

  handle(event: OrganizationIntegrationEvent) {
    return handleOrganizationMessage(this, event);
  }

  handleBatch(events: OrganizationIntegrationEvent[]) {
    return handleOrganizationBatch(this, events);
  }
}

/**
 * Records organization, membership and resource changes in app-packaging's own log; when a resource is
 * disabled or deleted, every app bound to it goes back to "needs configuration".
 */
export async function handleOrganizationMessage(runtime: Recorders, event: OrganizationIntegrationEvent) {
  const recording = directoryCommandFor(event);
  if (!recording) return;
  const { command, metadata } = recording;
  const organizationId = event.data.organizationId;
  await runtime.directory.handle(organizationId, command, metadata, { eventIds: idsOf(event) });

  if (event.type === 'ResourceDisabled' || event.type === 'ResourceDeleted') {
    await runtime.release.releaseResource(organizationId, event.data.resourceId, event.type === 'ResourceDisabled' ? 'resource-disabled' : 'resource-deleted', {
      ...metadata,
    }, event.id);
  }
}

const idsOf = (event: OrganizationIntegrationEvent) => (i: number) => derivedEventId('app-packaging', event.id, i);

/**
 * A batch of organization events: runs of events that only record into the directory are decided and
 * appended in one transaction (see recordBatch); a disabled or deleted resource, which also releases the apps
 * bound to it, goes through the single path, in its place in the order.
 */
export async function handleOrganizationBatch(runtime: Recorders, events: OrganizationIntegrationEvent[]) {
  let run: OrganizationIntegrationEvent[] = [];
  const flush = async () => {
    const items = run;
    run = [];
    await recordBatch(
      runtime.store,
      items,
      async (batch, event) => {
        const recording = directoryCommandFor(event);
        if (recording) await batch.decide(runtime.directory, event.data.organizationId, recording.command, recording.metadata, idsOf(event));
      },
      (event) => handleOrganizationMessage(runtime, event),
    );
  };
  for (const event of events) {
    if (event.type === 'ResourceDisabled' || event.type === 'ResourceDeleted') {
      await flush();
      await handleOrganizationMessage(runtime, event);
    } else run.push(event);
  }
  await flush();
}

/** what app-packaging records in its directory for an organization event (null: nothing) */
function directoryCommandFor(event: OrganizationIntegrationEvent): { command: OrgDirectoryCommand; metadata: EventMetadata } | null {
  const metadata: EventMetadata = {
    at: event.occurredAt,
    actor: 'system:organization',
    causationId: event.id,
    // what the single path got from its correlation context: the source's correlation id, or its event id
    correlationId: event.correlationId ?? event.id,
  };
  const sourceRevision = event.sourceRevision;
  let command: OrgDirectoryCommand | null;
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
      return null;
  }
  return { command, metadata };
}
