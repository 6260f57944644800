import { decideOrganization, evolveOrganization, initialOrganizationState, OrganizationState } from '../organizations/organization.decider';
import { OrganizationEvent } from '../organizations/organization.events';
import { pageOfInvitations } from './invitation-lifecycle';

const at = '2026-01-01T00:00:00.000Z';
const admin = { kind: 'user' as const, userId: 'usr-a', email: 'a@example.com' };
const dev = { kind: 'user' as const, userId: 'usr-d', email: 'd@example.com' };

function given(...events: OrganizationEvent[]): OrganizationState {
  return events.reduce(evolveOrganization, initialOrganizationState());
}
const org = 'org-us-1';
const base = (): OrganizationEvent[] => [
  { type: 'OrganizationProvisioned', data: { organizationId: org, name: 'O', region: 'us' } },
  { type: 'MemberAdded', data: { organizationId: org, userId: 'usr-a', email: 'a@example.com', role: 'Admin', via: 'provisioning' } },
  { type: 'MemberAdded', data: { organizationId: org, userId: 'usr-d', email: 'd@example.com', role: 'Developer', via: 'invitation' } },
  { type: 'InvitationCreated', data: { organizationId: org, invitationId: 'inv-1', email: 'x@example.com', role: 'Agent', expiresAt: '2026-01-08T00:00:00.000Z' } },
];

describe('invitation lifecycle (decline, resend, states)', () => {
  it('the invitee declines once; a second decline changes nothing; accept afterwards is refused', () => {
    const invitee = { kind: 'user' as const, userId: 'usr-x', email: 'x@example.com' };
    const state = given(...base());
    const events = decideOrganization({ type: 'DeclineInvitation', invitationId: 'inv-1', userId: 'usr-x', email: 'x@example.com', at, actor: invitee }, state);
    expect(events).toEqual([{ type: 'InvitationDeclined', data: { organizationId: org, invitationId: 'inv-1', email: 'x@example.com', userId: 'usr-x' } }]);
    const after = given(...base(), ...events);
    expect(decideOrganization({ type: 'DeclineInvitation', invitationId: 'inv-1', userId: 'usr-x', email: 'x@example.com', at, actor: invitee }, after)).toEqual([]);
    expect(() => decideOrganization({ type: 'AcceptInvitation', invitationId: 'inv-1', userId: 'usr-x', email: 'x@example.com', at, actor: invitee }, after)).toThrow(
      expect.objectContaining({ code: 'invitation-declined' }),
    );
  });

  it('someone else cannot decline: the invitation is reported missing', () => {
    expect(() => decideOrganization({ type: 'DeclineInvitation', invitationId: 'inv-1', userId: 'usr-d', email: 'd@example.com', at, actor: dev }, given(...base()))).toThrow(
      expect.objectContaining({ code: 'invitation-not-found' }),
    );
  });

  it('an Admin resends with a new expiry; a Developer may not; a closed invitation cannot be resent', () => {
    const state = given(...base());
    const events = decideOrganization({ type: 'ResendInvitation', invitationId: 'inv-1', expiresAt: '2026-02-01T00:00:00.000Z', sendId: 'snd-1', at, actor: admin }, state);
    expect(events).toEqual([
      { type: 'InvitationResent', data: { organizationId: org, invitationId: 'inv-1', email: 'x@example.com', role: 'Agent', expiresAt: '2026-02-01T00:00:00.000Z', sendId: 'snd-1' } },
    ]);
    expect(given(...base(), ...events).invitations.get('inv-1')!.expiresAt).toBe('2026-02-01T00:00:00.000Z');
    expect(() => decideOrganization({ type: 'ResendInvitation', invitationId: 'inv-1', expiresAt: at, sendId: 's', at, actor: dev }, state)).toThrow(
      expect.objectContaining({ code: 'permission-denied' }),
    );
    const revoked = given(...base(), { type: 'InvitationRevoked', data: { organizationId: org, invitationId: 'inv-1', email: 'x@example.com' } });
    expect(() => decideOrganization({ type: 'ResendInvitation', invitationId: 'inv-1', expiresAt: at, sendId: 's', at, actor: admin }, revoked)).toThrow(
      expect.objectContaining({ code: 'invitation-not-pending' }),
    );
  });

  it('pages every invitation with its state; a pending one past its expiry reads expired', () => {
    const state = given(
      ...base(),
      { type: 'InvitationCreated', data: { organizationId: org, invitationId: 'inv-2', email: 'y@example.com', role: 'Agent', expiresAt: '2026-01-01T00:00:00.000Z' } },
      { type: 'InvitationCreated', data: { organizationId: org, invitationId: 'inv-3', email: 'z@example.com', role: 'Agent', expiresAt: '2026-03-01T00:00:00.000Z' } },
      { type: 'InvitationRevoked', data: { organizationId: org, invitationId: 'inv-3', email: 'z@example.com' } },
    );
    const first = pageOfInvitations(state, '2026-01-02T00:00:00.000Z', undefined, 2);
    expect(first.items.map((i) => [i.id, i.status])).toEqual([['inv-1', 'pending'], ['inv-2', 'expired']]);
    expect(first.nextCursor).toBe('inv-2');
    const second = pageOfInvitations(state, '2026-01-02T00:00:00.000Z', first.nextCursor!, 2);
    expect(second).toEqual({ items: [expect.objectContaining({ id: 'inv-3', status: 'revoked' })], nextCursor: null });
  });
});
