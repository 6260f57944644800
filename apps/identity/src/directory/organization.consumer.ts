import { BusMessage, derivedEventId } from '@lib/messaging';
import { OrganizationIntegrationEvent, organizationEventSchemas, parseEnvelope } from '@lib/contracts';
import { EventMetadata } from '@lib/eventstore';
import { Injectable } from '@nestjs/common';
import { IntegrationEventHandler } from '@lib/service-kit';
import { UserRepository } from '../users/user.repository';
import { InvitationsRepository, KnownOrganizationRepository } from './directory.repositories';

export const parseOrganizationMessage = (message: BusMessage) => parseEnvelope(message, organizationEventSchemas);

/**
 * Identity keeps what it learns from organization in its own log: memberships on the user, organization
 * profiles, pending invitations per email. Each append carries an id derived from the source event and is
 * guarded by the source stream's revision, so redeliveries and stale messages change nothing.
 */
@Injectable()
export class OrganizationEventsConsumer implements IntegrationEventHandler<OrganizationIntegrationEvent> {
  constructor(
    readonly users: UserRepository,
    readonly organizations: KnownOrganizationRepository,
    readonly invitations: InvitationsRepository,
  ) {}

  handle(event: OrganizationIntegrationEvent) {
    return handleOrganizationMessage(this, event);
  }
}

async function handleOrganizationMessage(
  runtime: { users: UserRepository; organizations: KnownOrganizationRepository; invitations: InvitationsRepository },
  event: OrganizationIntegrationEvent,
) {
  const metadata: EventMetadata = {
    at: event.occurredAt,
    actor: 'system:organization',
    causationId: event.id,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
  };
  const ids = { eventIds: (i: number) => derivedEventId('identity', event.id, i) };
  const organizationId = event.data.organizationId;
  const sourceRevision = event.sourceRevision;
  const profile = (change: Parameters<typeof runtime.organizations.handle>[1]['change']) =>
    runtime.organizations.handle(organizationId, { type: 'RecordOrganization', organizationId, sourceRevision, change }, metadata, ids);
  const membership = (userId: string, change: 'granted' | 'role-changed' | 'revoked', role?: 'Admin' | 'Developer' | 'Agent') =>
    runtime.users.handle(userId, { type: 'RecordMembership', organizationId, change, role, sourceRevision }, metadata, ids);

  switch (event.type) {
    case 'OrganizationProvisioned':
      return void (await profile({ name: event.data.name, region: event.data.region, status: 'active' }));
    case 'OrganizationRenamed':
      return void (await profile({ name: event.data.name }));
    case 'OrganizationSuspended':
      return void (await profile({ status: 'suspended' }));
    case 'OrganizationReactivated':
      return void (await profile({ status: 'active' }));
    case 'MemberAdded':
      return void (await membership(event.data.userId, 'granted', event.data.role));
    case 'MemberRoleChanged':
      return void (await membership(event.data.userId, 'role-changed', event.data.role));
    case 'MemberRemoved':
      return void (await membership(event.data.userId, 'revoked'));
    case 'InvitationCreated': {
      const { invitationId, role, expiresAt, email } = event.data;
      await runtime.invitations.handle(
        email.toLowerCase(),
        { type: 'RecordInvitation', invitation: { invitationId, organizationId, role, expiresAt }, sourceRevision },
        metadata,
        ids,
      );
      return;
    }
    case 'InvitationRevoked':
    case 'InvitationAccepted':
      await runtime.invitations.handle(
        event.data.email.toLowerCase(),
        {
          type: 'CloseInvitation',
          invitationId: event.data.invitationId,
          organizationId,
          sourceRevision,
          reason: event.type === 'InvitationRevoked' ? 'revoked' : 'accepted',
        },
        metadata,
        ids,
      );
      return;
  }
}
