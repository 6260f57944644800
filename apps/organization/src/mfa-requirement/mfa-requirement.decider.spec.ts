import { DomainError } from '@lib/eventstore';
import { decideOrganization, evolveOrganization, initialOrganizationState, OrganizationCommand } from '../organizations/organization.decider';
import { OrganizationEvent } from '../organizations/organization.events';
import { assertMfaSatisfied } from './mfa-requirement.decider';

const ORG = 'org-us-1';
const AT = '2026-01-01T00:00:00.000Z';
const provisioned: OrganizationEvent[] = [
  { type: 'OrganizationProvisioned', data: { organizationId: ORG, name: 'Acme', region: 'us' } },
  { type: 'MemberAdded', data: { organizationId: ORG, userId: 'ada', email: 'ada@x.io', role: 'Admin', via: 'provisioning' } },
  { type: 'MemberAdded', data: { organizationId: ORG, userId: 'dev', email: 'dev@x.io', role: 'Developer', via: 'invitation' } },
];
const changed = (required: boolean): OrganizationEvent => ({ type: 'OrganizationMfaRequirementChanged', data: { organizationId: ORG, required } });
const set = (userId: string, required: boolean, actorMfa = true): OrganizationCommand => ({
  type: 'SetMfaRequirement',
  required,
  actorMfa,
  at: AT,
  actor: { kind: 'user', userId, email: `${userId}@x.io` },
});
const fold = (events: OrganizationEvent[]) => events.reduce(evolveOrganization, initialOrganizationState());
function refused(given: OrganizationEvent[], when: OrganizationCommand) {
  try {
    decideOrganization(when, fold(given));
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('organization MFA requirement', () => {
  it.each<[string, OrganizationEvent[], OrganizationCommand, OrganizationEvent[]]>([
    ['an Admin with MFA requires it', provisioned, set('ada', true), [changed(true)]],
    ['an Admin lifts it', [...provisioned, changed(true)], set('ada', false), [changed(false)]],
    ['requiring it twice changes nothing', [...provisioned, changed(true)], set('ada', true), []],
  ])('given %s', (_name, given, when, then) => {
    expect(decideOrganization(when, fold(given))).toEqual(then);
  });

  it.each<[string, OrganizationEvent[], OrganizationCommand, string]>([
    ['a Developer', provisioned, set('dev', true), 'permission-denied'],
    ['a non-member', provisioned, set('eve', true), 'not-a-member'],
    ['an Admin whose own session had no second factor', provisioned, set('ada', true, false), 'mfa-required'],
    [
      'a suspended organization',
      [...provisioned, { type: 'OrganizationSuspended', data: { organizationId: ORG, reason: 'x' } }],
      set('ada', true),
      'organization-suspended',
    ],
  ])('refuses %s', (_name, given, when, code) => {
    expect(refused(given, when)).toBe(code);
  });

  it('folds into the state, and a user without MFA is refused where it is required', () => {
    const state = fold([...provisioned, changed(true)]);
    expect(state.mfaRequired).toBe(true);
    expect(() => assertMfaSatisfied(state, { kind: 'user', mfa: false })).toThrow(expect.objectContaining({ code: 'mfa-required' }));
    expect(() => assertMfaSatisfied(state, { kind: 'user', mfa: true })).not.toThrow();
    expect(() => assertMfaSatisfied(state, { kind: 'operator' })).not.toThrow();
    expect(() => assertMfaSatisfied(fold([...provisioned, changed(true), changed(false)]), { kind: 'user' })).not.toThrow();
  });
});
