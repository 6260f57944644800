import { RecordedEvent } from '@lib/eventstore';
import { OrganizationEvent } from './organization.events';

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  revision: number;
}

/** the audit trail is the organization's own event stream, described for people */
export function describeAuditEntry(event: RecordedEvent): AuditEntry {
  const e = { type: event.type, data: event.data } as OrganizationEvent;
  const base = { at: String(event.metadata.at ?? event.recordedAt), actor: String(event.metadata.actor ?? 'unknown'), revision: event.revision };
  const { organizationId: _o, ...details } = e.data as Record<string, unknown> & { organizationId: string };
  switch (e.type) {
    case 'OrganizationProvisioned':
    case 'OrganizationRenamed':
    case 'OrganizationSuspended':
    case 'OrganizationReactivated':
      return { ...base, action: actionName(e.type), subject: `organization:${e.data.organizationId}`, details };
    case 'InvitationCreated':
    case 'InvitationRevoked':
    case 'InvitationAccepted':
      return { ...base, action: actionName(e.type), subject: `invitation:${e.data.invitationId}`, details };
    case 'MemberAdded':
    case 'MemberRoleChanged':
    case 'MemberRemoved':
      return { ...base, action: actionName(e.type), subject: `user:${e.data.userId}`, details };
    default:
      return { ...base, action: event.type, subject: event.streamName, details: {} };
  }
}

/** `MemberRoleChanged` → `member.role_changed` */
function actionName(type: string) {
  const [head, ...rest] = type.split(/(?=[A-Z])/);
  return `${head.toLowerCase()}.${rest.map((w) => w.toLowerCase()).join('_')}`;
}
