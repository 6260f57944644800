import type { AuditEntry } from '@lib/contracts';
import { OrganizationEvent } from './organization.events';

export type { AuditEntry };

/** the audit trail is the organization's own event stream, described for people */
export function describeAuditEntry(e: OrganizationEvent, meta: { at: string; actor: string; revision: number }): AuditEntry {
  const base = { at: meta.at, actor: meta.actor, revision: meta.revision };
  const { organizationId: _o, ...details } = redact(e.data as Record<string, unknown>);
  switch (e.type) {
    case 'OrganizationProvisioned':
    case 'OrganizationRenamed':
    case 'OrganizationSuspended':
    case 'OrganizationReactivated':
    case 'OrganizationMfaRequirementChanged':
      return { ...base, action: actionName(e.type), subject: `organization:${e.data.organizationId}`, details };
    case 'InvitationCreated':
    case 'InvitationRevoked':
    case 'InvitationAccepted':
    case 'InvitationDeclined':
    case 'InvitationResent':
      return { ...base, action: actionName(e.type), subject: `invitation:${e.data.invitationId}`, details };
    case 'MemberAdded':
    case 'MemberRoleChanged':
    case 'MemberRemoved':
      return { ...base, action: actionName(e.type), subject: `user:${e.data.userId}`, details };
    case 'OrganizationKeyIssued':
      return { ...base, action: 'organization.key_issued', subject: `organization:${e.data.organizationId}`, details: {} };
    case 'ResourceCreated':
    case 'ResourceUpdated':
    case 'ResourceDisabled':
    case 'ResourceEnabled':
    case 'ResourceDeleted':
      return { ...base, action: actionName(e.type), subject: `resource:${e.data.resourceId}`, details };
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

/** `MemberRoleChanged` → `member.role_changed` */
function actionName(type: string) {
  const [head, ...rest] = type.split(/(?=[A-Z])/);
  return `${head.toLowerCase()}.${rest.map((w) => w.toLowerCase()).join('_')}`;
}

/** sealed secrets and wrapped keys never reach the audit: only whether a secret was set */
function redact(data: Record<string, unknown>): Record<string, unknown> & { organizationId: string } {
  const copy: Record<string, unknown> = { ...data };
  delete copy.wrappedKey;
  if ('secret' in copy) copy.secret = copy.secret ? 'set' : 'none';
  if (copy.changes && typeof copy.changes === 'object') {
    const changes = { ...(copy.changes as Record<string, unknown>) };
    if ('secret' in changes) changes.secret = 'changed';
    copy.changes = changes;
  }
  return copy as Record<string, unknown> & { organizationId: string };
}
