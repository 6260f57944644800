import { BusMessage, derivedEventId } from '@lib/messaging';
import { OrganizationIntegrationEvent, organizationEventSchemas, parseEnvelope } from '@lib/contracts';
import { assertNever, EventMetadata, EventStore, recordBatch } from '@lib/eventstore';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, IntegrationEventHandler } from '@lib/service-kit';
import type { UserCommand } from '../users/user.decider';
import { UserRepository } from '../users/user.repository';
import type { InvitationsCommand, KnownOrganizationCommand } from './directory.decider';
import { InvitationsRepository, KnownOrganizationRepository } from './directory.repositories';
import { LinkTokens, sha256 } from '../mail/link-tokens';

export const parseOrganizationMessage = (message: BusMessage) => parseEnvelope(message, organizationEventSchemas);

/** the repositories the consumer records into */
interface Recorders {
  users: UserRepository;
  organizations: KnownOrganizationRepository;
  invitations: InvitationsRepository;
  /** when given, a recorded invitation keeps the hash of its link's token (only the latest link works) */
  links?: LinkTokens;
}

/** the recording, with the invitation link's token hash added when the runtime can derive it */
function recordingWithTokenHash(runtime: Recorders, event: OrganizationIntegrationEvent): Recording | null {
  const r = recordingFor(event);
  if (!r || r.into !== 'invitations' || r.command.type !== 'RecordInvitation' || !runtime.links) return r;
  const invitation = r.command.invitation;
  const tokenHash = sha256(runtime.links.invitation(invitation.invitationId, r.id, invitation.sendId));
  return { ...r, command: { ...r.command, invitation: { ...invitation, tokenHash } } };
}

/**
 * Identity keeps what it learns from organization in its own log: memberships on the user, organization
 * profiles, pending invitations per email (see handleOrganizationMessage / handleOrganizationBatch). The kit
 * subscribes it in batches (handleBatch): each batch is recorded with one appendMany.
 */
@Injectable()
export class OrganizationEventsConsumer implements IntegrationEventHandler<OrganizationIntegrationEvent> {
  constructor(
    readonly users: UserRepository,
    readonly organizations: KnownOrganizationRepository,
    readonly invitations: InvitationsRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    readonly links: LinkTokens,
  ) {}

  handle(event: OrganizationIntegrationEvent) {
    return handleOrganizationMessage(this, event);
  }

  handleBatch(events: OrganizationIntegrationEvent[]) {
    return handleOrganizationBatch(this, this.store, events);
  }
}

/** what identity records for one organization event: which aggregate, which command */
type Recording =
  | { into: 'organizations'; id: string; command: KnownOrganizationCommand }
  | { into: 'users'; id: string; command: UserCommand }
  | { into: 'invitations'; id: string; command: InvitationsCommand };

/** null: identity keeps nothing of this event (org-level resources are app-packaging's concern) */
export function recordingFor(event: OrganizationIntegrationEvent): Recording | null {
  const organizationId = event.data.organizationId;
  const sourceRevision = event.sourceRevision;
  const profile = (change: Extract<KnownOrganizationCommand, { type: 'RecordOrganization' }>['change']): Recording => ({
    into: 'organizations',
    id: organizationId,
    command: { type: 'RecordOrganization', organizationId, sourceRevision, change },
  });
  const membership = (userId: string, change: 'granted' | 'role-changed' | 'revoked', role?: 'Admin' | 'Developer' | 'Agent'): Recording => ({
    into: 'users',
    id: userId,
    command: { type: 'RecordMembership', organizationId, change, role, sourceRevision },
  });
  switch (event.type) {
    case 'OrganizationProvisioned':
      return profile({ name: event.data.name, region: event.data.region, status: 'active' });
    case 'OrganizationRenamed':
      return profile({ name: event.data.name });
    case 'OrganizationSuspended':
      return profile({ status: 'suspended' });
    case 'OrganizationReactivated':
      return profile({ status: 'active' });
    case 'OrganizationMfaRequirementChanged':
      return profile({ mfaRequired: event.data.required });
    case 'MemberAdded':
      return membership(event.data.userId, 'granted', event.data.role);
    case 'MemberRoleChanged':
      return membership(event.data.userId, 'role-changed', event.data.role);
    case 'MemberRemoved':
      return membership(event.data.userId, 'revoked');
    case 'InvitationCreated':
    case 'InvitationResent': {
      const { invitationId, role, expiresAt, email } = event.data;
      const sendId = event.type === 'InvitationResent' ? event.data.sendId : undefined;
      return {
        into: 'invitations',
        id: email.toLowerCase(),
        command: {
          type: 'RecordInvitation',
          invitation: { invitationId, email: email.toLowerCase(), organizationId, role, expiresAt, ...(sendId ? { sendId } : {}) },
          sourceRevision,
        },
      };
    }
    case 'InvitationRevoked':
    case 'InvitationDeclined':
    case 'InvitationAccepted':
      return {
        into: 'invitations',
        id: event.data.email.toLowerCase(),
        command: {
          type: 'CloseInvitation',
          invitationId: event.data.invitationId,
          organizationId,
          sourceRevision,
          reason: event.type === 'InvitationRevoked' ? 'revoked' : event.type === 'InvitationDeclined' ? 'declined' : 'accepted',
        },
      };
    case 'ResourceCreated':
    case 'ResourceUpdated':
    case 'ResourceDisabled':
    case 'ResourceEnabled':
    case 'ResourceDeleted':
      return null;
    default:
      return assertNever(event);
  }
}

const metadataOf = (event: OrganizationIntegrationEvent): EventMetadata => ({
  at: event.occurredAt,
  actor: 'system:organization',
  causationId: event.id,
  // what the single path gets from its correlation context: the source's correlation id, or the source event's id
  correlationId: event.correlationId ?? event.id,
});

const idsOf = (event: OrganizationIntegrationEvent) => (i: number) => derivedEventId('identity', event.id, i);

/**
 * Identity keeps what it learns from organization in its own log: memberships on the user, organization
 * profiles, pending invitations per email. Each append carries an id derived from the source event and is
 * guarded by the source stream's revision, so redeliveries and stale messages change nothing.
 */
export async function handleOrganizationMessage(runtime: Recorders, event: OrganizationIntegrationEvent) {
  const r = recordingWithTokenHash(runtime, event);
  if (!r) return;
  const options = { eventIds: idsOf(event) };
  switch (r.into) {
    case 'organizations':
      return void (await runtime.organizations.handle(r.id, r.command, metadataOf(event), options));
    case 'users':
      return void (await runtime.users.handle(r.id, r.command, metadataOf(event), options));
    case 'invitations':
      return void (await runtime.invitations.handle(r.id, r.command, metadataOf(event), options));
    default:
      return assertNever(r);
  }
}

/**
 * A batch of organization events, recorded in one transaction: each is decided in order against the state
 * the previous ones left, and all resulting events are appended with one `appendMany`. When another writer
 * got to one of the streams first (a user command over HTTP), the batch is decided again on fresh state; after
 * a few such conflicts it falls back to one append per event. Idempotent like the single path: redelivered
 * events decide nothing (source revisions) and carry the same derived ids.
 */
export async function handleOrganizationBatch(runtime: Recorders, store: EventStore, events: OrganizationIntegrationEvent[]) {
  await recordBatch(
    store,
    events,
    async (batch, event) => {
      const r = recordingWithTokenHash(runtime, event);
      if (!r) return;
      switch (r.into) {
        case 'organizations':
          return batch.decide(runtime.organizations, r.id, r.command, metadataOf(event), idsOf(event));
        case 'users':
          return batch.decide(runtime.users, r.id, r.command, metadataOf(event), idsOf(event));
        case 'invitations':
          return batch.decide(runtime.invitations, r.id, r.command, metadataOf(event), idsOf(event));
        default:
          return assertNever(r);
      }
    },
    (event) => handleOrganizationMessage(runtime, event),
  );
}
