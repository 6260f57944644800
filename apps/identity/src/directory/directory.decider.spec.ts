import { DeciderSpecification } from '@lib/eventstore/testing/decider-specification';
import { Role } from '@lib/contracts';
import {
  InvitationsCommand,
  InvitationsEvent,
  InvitationsState,
  KnownOrganizationCommand,
  KnownOrganizationEvent,
  KnownOrganizationState,
  OrganizationProfile,
  PendingInvitation,
  invitationsDecider,
  invitationsStream,
  knownOrganizationDecider,
  knownOrganizationStream,
} from './directory.decider';

/*
 * given (prior events) / when (command) / then (exact events).
 * Both deciders record what identity learns from organization's integration events. `sourceRevision` is
 * the organization stream's revision: at or below the last applied one (per organization) is a no-op,
 * newer is applied. Neither decider refuses anything, so every case expects events (possibly none).
 */

const ACME = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
const GLOBEX = 'org-us-01jzyxwvtsrqpnmkjhgfedcba9';
const LATER = '2025-03-17T12:00:00.000Z';
const MUCH_LATER = '2025-04-17T12:00:00.000Z';

/** the shared DeciderSpecification; these deciders never refuse, so `when` gives the events */
function runner<C, E, S>(decider: { initialState(): S; evolve(state: S, event: E): S; decide(command: C, state: S): E[] }) {
  const spec = DeciderSpecification.for(decider);
  const when = (history: E[], command: C): E[] => {
    const outcome = spec(history).when(command).outcome;
    if (!('events' in outcome)) throw new Error(`refused: ${JSON.stringify(outcome.error)}`);
    return outcome.events;
  };
  return { fold: spec.fold, when };
}

it('names the streams after the organization id and the email', () => {
  expect(knownOrganizationStream(ACME)).toBe(`known-organization-${ACME}`);
  expect(invitationsStream('frank@acme.test')).toBe('invitations-frank@acme.test');
});

// ================================================================ known organizations

describe('knownOrganizationDecider', () => {
  const { fold, when } = runner(knownOrganizationDecider);

  const profile = (overrides: Partial<OrganizationProfile> = {}): OrganizationProfile => ({
    organizationId: ACME,
    name: 'Acme',
    region: 'eu',
    status: 'active',
    ...overrides,
  });
  const recorded = (p: OrganizationProfile, sourceRevision: number): KnownOrganizationEvent => ({
    type: 'OrganizationRecorded',
    data: { ...p, sourceRevision },
  });
  const record = (sourceRevision: number, change: KnownOrganizationCommand['change'], organizationId = ACME): KnownOrganizationCommand => ({
    type: 'RecordOrganization',
    organizationId,
    sourceRevision,
    change,
  });

  /** provisioned at revision 0 */
  const PROVISIONED: KnownOrganizationEvent[] = [recorded(profile(), 0)];
  /** provisioned at 0, renamed at 4 */
  const RENAMED: KnownOrganizationEvent[] = [...PROVISIONED, recorded(profile({ name: 'Acme Corp' }), 4)];

  interface Case {
    name: string;
    given: KnownOrganizationEvent[];
    when: KnownOrganizationCommand;
    then: KnownOrganizationEvent[];
  }
  it.each<Case>([
    {
      name: 'provisioning news of an unknown organization → OrganizationRecorded with the full profile',
      given: [],
      when: record(0, { name: 'Acme', region: 'eu', status: 'active' }),
      then: [recorded(profile(), 0)],
    },
    {
      name: 'the organization id comes from the command',
      given: [],
      when: record(0, { name: 'Globex', region: 'us', status: 'active' }, GLOBEX),
      then: [recorded({ organizationId: GLOBEX, name: 'Globex', region: 'us', status: 'active' }, 0)],
    },
    {
      name: 'a rename (newer) → the known profile with the new name',
      given: PROVISIONED,
      when: record(4, { name: 'Acme Corp' }),
      then: [recorded(profile({ name: 'Acme Corp' }), 4)],
    },
    {
      name: 'a suspension (newer) → the known profile, suspended',
      given: RENAMED,
      when: record(6, { status: 'suspended' }),
      then: [recorded(profile({ name: 'Acme Corp', status: 'suspended' }), 6)],
    },
    {
      name: 'a reactivation (newer) → the known profile, active again',
      given: [...RENAMED, recorded(profile({ name: 'Acme Corp', status: 'suspended' }), 6)],
      when: record(7, { status: 'active' }),
      then: [recorded(profile({ name: 'Acme Corp', status: 'active' }), 7)],
    },
    {
      name: 'a revision gap is fine: the next known revision is simply newer',
      given: PROVISIONED,
      when: record(100, { name: 'Acme 100' }),
      then: [recorded(profile({ name: 'Acme 100' }), 100)],
    },
    {
      name: 'an empty change at a newer revision → the known profile at that revision',
      given: RENAMED,
      when: record(5, {}),
      then: [recorded(profile({ name: 'Acme Corp' }), 5)],
    },
    {
      name: 'redelivery of the provisioning (same revision) → no event',
      given: PROVISIONED,
      when: record(0, { name: 'Acme', region: 'eu', status: 'active' }),
      then: [],
    },
    {
      name: 'redelivery of the rename (same revision) → no event',
      given: RENAMED,
      when: record(4, { name: 'Acme Corp' }),
      then: [],
    },
    {
      name: 'a stale rename (older revision) → no event, the newer name stays',
      given: RENAMED,
      when: record(2, { name: 'Acme Old' }),
      then: [],
    },
    {
      name: 'a stale provisioning after a rename → no event',
      given: RENAMED,
      when: record(0, { name: 'Acme', region: 'eu', status: 'active' }),
      then: [],
    },
  ])('$name', ({ given, when: command, then }) => {
    expect(when(given, command)).toStrictEqual(then);
  });

  describe('evolve', () => {
    it('starts with no profile and revision -1', () => {
      expect(knownOrganizationDecider.initialState()).toEqual({ profile: null, sourceRevision: -1 });
    });

    it('keeps the last recorded profile and its revision', () => {
      const state: KnownOrganizationState = fold([...RENAMED, recorded(profile({ name: 'Acme Corp', status: 'suspended' }), 6)]);
      expect(state).toStrictEqual({ profile: profile({ name: 'Acme Corp', status: 'suspended' }), sourceRevision: 6 });
    });
  });

  it('a negative revision is always stale → no event', () => {
    expect(when([], record(-1, { name: 'x' }))).toStrictEqual([]);
    expect(when(RENAMED, record(-5, { name: 'x' }))).toStrictEqual([]);
  });
});

// ================================================================ invitations per email

describe('invitationsDecider', () => {
  const { fold, when } = runner(invitationsDecider);

  const invitation = (invitationId: string, organizationId = ACME, role: Role = 'Developer', expiresAt = LATER): PendingInvitation => ({
    invitationId,
    organizationId,
    role,
    expiresAt,
  });
  const recorded = (inv: PendingInvitation, sourceRevision: number): InvitationsEvent => ({
    type: 'InvitationRecorded',
    data: { ...inv, sourceRevision },
  });
  const closed = (
    invitationId: string,
    sourceRevision: number,
    reason: 'accepted' | 'revoked',
    organizationId = ACME,
  ): InvitationsEvent => ({
    type: 'InvitationClosed',
    data: { invitationId, organizationId, sourceRevision, reason },
  });
  const recordInvitation = (inv: PendingInvitation, sourceRevision: number): InvitationsCommand => ({
    type: 'RecordInvitation',
    invitation: inv,
    sourceRevision,
  });
  const close = (
    invitationId: string,
    sourceRevision: number,
    reason: 'accepted' | 'revoked',
    organizationId = ACME,
  ): InvitationsCommand => ({ type: 'CloseInvitation', invitationId, organizationId, sourceRevision, reason });

  /** frank invited to ACME at revision 3 */
  const INVITED: InvitationsEvent[] = [recorded(invitation('inv-1'), 3)];
  /** ... and that invitation revoked at revision 5 */
  const REVOKED: InvitationsEvent[] = [...INVITED, closed('inv-1', 5, 'revoked')];

  interface Case {
    name: string;
    given: InvitationsEvent[];
    when: InvitationsCommand;
    then: InvitationsEvent[];
  }

  describe('RecordInvitation', () => {
    it.each<Case>([
      {
        name: 'a first invitation → InvitationRecorded with the invitation and its revision',
        given: [],
        when: recordInvitation(invitation('inv-1'), 3),
        then: [recorded(invitation('inv-1'), 3)],
      },
      {
        name: 'a first invitation at revision 0 → InvitationRecorded',
        given: [],
        when: recordInvitation(invitation('inv-0', ACME, 'Admin', MUCH_LATER), 0),
        then: [recorded(invitation('inv-0', ACME, 'Admin', MUCH_LATER), 0)],
      },
      {
        name: 'redelivered (same revision) → no event',
        given: INVITED,
        when: recordInvitation(invitation('inv-1'), 3),
        then: [],
      },
      {
        name: 'stale (older revision of the same organization) → no event',
        given: INVITED,
        when: recordInvitation(invitation('inv-old'), 2),
        then: [],
      },
      {
        name: 'stale after the invitation was closed → no event (a closed invitation is not reopened)',
        given: REVOKED,
        when: recordInvitation(invitation('inv-1'), 3),
        then: [],
      },
      {
        name: 'a newer invitation from the same organization → InvitationRecorded',
        given: REVOKED,
        when: recordInvitation(invitation('inv-2', ACME, 'Agent'), 8),
        then: [recorded(invitation('inv-2', ACME, 'Agent'), 8)],
      },
      {
        name: 'another organization is tracked separately: its low revision is applied',
        given: INVITED,
        when: recordInvitation(invitation('inv-g', GLOBEX, 'Admin'), 1),
        then: [recorded(invitation('inv-g', GLOBEX, 'Admin'), 1)],
      },
    ])('$name', ({ given, when: command, then }) => {
      expect(when(given, command)).toStrictEqual(then);
    });
  });

  describe('CloseInvitation', () => {
    it.each<Case>([
      {
        name: 'revoked (newer) → InvitationClosed revoked',
        given: INVITED,
        when: close('inv-1', 5, 'revoked'),
        then: [closed('inv-1', 5, 'revoked')],
      },
      {
        name: 'accepted (newer) → InvitationClosed accepted',
        given: INVITED,
        when: close('inv-1', 4, 'accepted'),
        then: [closed('inv-1', 4, 'accepted')],
      },
      {
        name: 'redelivered (same revision) → no event',
        given: REVOKED,
        when: close('inv-1', 5, 'revoked'),
        then: [],
      },
      {
        name: 'stale: at the revision of the invitation itself → no event',
        given: INVITED,
        when: close('inv-1', 3, 'revoked'),
        then: [],
      },
      {
        name: 'stale: older than what was applied → no event',
        given: [...INVITED, recorded(invitation('inv-2'), 9)],
        when: close('inv-1', 7, 'accepted'),
        then: [],
      },
      {
        name: 'in another organization → InvitationClosed there, at its own revision',
        given: [...INVITED, recorded(invitation('inv-g', GLOBEX), 1)],
        when: close('inv-g', 2, 'accepted', GLOBEX),
        then: [closed('inv-g', 2, 'accepted', GLOBEX)],
      },
      {
        name: 'an invitation it never recorded, newer → InvitationClosed (the revision still moves on)',
        given: [],
        when: close('inv-unknown', 4, 'revoked'),
        then: [closed('inv-unknown', 4, 'revoked')],
      },
    ])('$name', ({ given, when: command, then }) => {
      expect(when(given, command)).toStrictEqual(then);
    });
  });

  describe('evolve', () => {
    it('starts with nothing pending and nothing applied', () => {
      expect(invitationsDecider.initialState()).toEqual({ pending: new Map(), applied: new Map() });
    });

    it('keeps open invitations pending and the last applied revision per organization', () => {
      const state: InvitationsState = fold([
        recorded(invitation('inv-1'), 3),
        recorded(invitation('inv-g', GLOBEX, 'Admin'), 1),
        recorded(invitation('inv-2', ACME, 'Agent'), 6),
        closed('inv-1', 7, 'accepted'),
      ]);
      expect(state.pending).toEqual(
        new Map([
          ['inv-g', invitation('inv-g', GLOBEX, 'Admin')],
          ['inv-2', invitation('inv-2', ACME, 'Agent')],
        ]),
      );
      expect(state.applied).toEqual(
        new Map([
          [ACME, 7],
          [GLOBEX, 1],
        ]),
      );
    });

    it('stores the pending invitation without its source revision', () => {
      expect(fold(INVITED).pending.get('inv-1')).toStrictEqual(invitation('inv-1'));
    });

    it('gives every fold its own maps', () => {
      fold(REVOKED);
      const fresh = invitationsDecider.initialState();
      expect(fresh.pending.size + fresh.applied.size).toBe(0);
    });
  });
});
