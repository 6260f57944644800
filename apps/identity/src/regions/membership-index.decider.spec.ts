import { MembershipIndexCommand, membershipIndexDecider, MembershipIndexEvent } from './membership-index.decider';

const given = (events: MembershipIndexEvent[]) => events.reduce(membershipIndexDecider.evolve, membershipIndexDecider.initialState());
const record = (role: MembershipIndexCommand['role'], sourceRevision: number, organizationName = 'Acme EU'): MembershipIndexCommand => ({
  type: 'RecordRemoteMembership',
  organizationId: 'org-eu-0000000000000000000000000a',
  organizationName,
  region: 'eu',
  role,
  sourceRevision,
});
const recorded = (role: 'Admin' | 'Developer' | 'Agent', sourceRevision: number, organizationName = 'Acme EU'): MembershipIndexEvent => ({
  type: 'RemoteMembershipRecorded',
  data: { organizationId: 'org-eu-0000000000000000000000000a', organizationName, region: 'eu', role, sourceRevision },
});
const removed = (sourceRevision: number): MembershipIndexEvent => ({
  type: 'RemoteMembershipRemoved',
  data: { organizationId: 'org-eu-0000000000000000000000000a', region: 'eu', sourceRevision },
});

describe('membership index decider (the home region records what peer regions send)', () => {
  const cases: { name: string; history: MembershipIndexEvent[]; when: MembershipIndexCommand; then: MembershipIndexEvent[] }[] = [
    { name: 'a first entry is recorded', history: [], when: record('Developer', 3), then: [recorded('Developer', 3)] },
    { name: 'a role change is recorded', history: [recorded('Developer', 3)], when: record('Agent', 5), then: [recorded('Agent', 5)] },
    { name: 'a resend of the same revision changes nothing', history: [recorded('Developer', 3)], when: record('Developer', 3), then: [] },
    { name: 'an older entry arriving late changes nothing', history: [recorded('Agent', 5)], when: record('Admin', 4), then: [] },
    { name: 'a newer entry with the same role and name changes nothing', history: [recorded('Agent', 5)], when: record('Agent', 6), then: [] },
    { name: 'a new name is recorded', history: [recorded('Agent', 5)], when: record('Agent', 6, 'Acme Europe'), then: [recorded('Agent', 6, 'Acme Europe')] },
    { name: 'a removal removes', history: [recorded('Agent', 5)], when: record(null, 7), then: [removed(7)] },
    { name: 'a removal of an unknown membership records nothing', history: [], when: record(null, 7), then: [] },
    { name: 'a removal older than the grant changes nothing', history: [recorded('Agent', 5)], when: record(null, 2), then: [] },
    { name: 'a re-grant after a removal is recorded', history: [recorded('Agent', 5), removed(7)], when: record('Developer', 9), then: [recorded('Developer', 9)] },
    { name: 'an old grant after a removal changes nothing', history: [recorded('Agent', 5), removed(7)], when: record('Agent', 5), then: [] },
  ];
  it.each(cases)('$name', ({ history, when, then }) => {
    expect(membershipIndexDecider.decide(when, given(history))).toEqual(then);
  });

  it('folds into the list of memberships', () => {
    expect([...given([recorded('Agent', 5)]).memberships.values()]).toEqual([
      { organizationId: 'org-eu-0000000000000000000000000a', organizationName: 'Acme EU', region: 'eu', role: 'Agent' },
    ]);
    expect(given([recorded('Agent', 5), removed(7)]).memberships.size).toBe(0);
  });
});
