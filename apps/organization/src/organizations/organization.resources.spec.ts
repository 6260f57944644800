import { DeciderSpecification, emits, nothing, refused } from '@lib/eventstore/testing/decider-specification';
import { PHONE_NUMBER_KIND, ResourceType } from '@lib/contracts';
import { Actor, OrganizationCommand, organizationDecider } from './organization.decider';
import { OrganizationEvent, ResourceData, ResourceRef } from './organization.events';
import { ResourceChanges } from './organization.commands';

/*
 * The resource command group: given (prior events) / when (command) / then (events, or a refusal's kind
 * and code), through the shared DeciderSpecification. Secrets reach the decider only sealed.
 */

const ORG = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
const NOW = '2025-03-10T12:00:00.000Z';
const operator: Actor = { kind: 'operator' };
const system: Actor = { kind: 'system' };
const alice: Actor = { kind: 'user', userId: 'u-alice', email: 'alice@acme.test' }; // Admin
const bob: Actor = { kind: 'user', userId: 'u-bob', email: 'bob@acme.test' }; // Developer
const carol: Actor = { kind: 'user', userId: 'u-carol', email: 'carol@acme.test' }; // Agent
const eve: Actor = { kind: 'user', userId: 'u-eve', email: 'eve@outside.test' }; // never a member

const SEALED_1 = { iv: 'aXYx', ciphertext: 'Y3Qx', tag: 'dGFnMQ==' };
const SEALED_2 = { iv: 'aXYy', ciphertext: 'Y3Qy', tag: 'dGFnMg==' };

const member = (a: Actor, role: 'Admin' | 'Developer' | 'Agent'): OrganizationEvent => {
  if (a.kind !== 'user') throw new Error('a member is a user');
  return { type: 'MemberAdded', data: { organizationId: ORG, userId: a.userId, email: a.email, role, via: 'invitation' } };
};
const ACME: OrganizationEvent[] = [
  { type: 'OrganizationProvisioned', data: { organizationId: ORG, name: 'Acme', region: 'eu' } },
  { type: 'OrganizationKeyIssued', data: { organizationId: ORG, wrappedKey: { iv: 'aXY=', ciphertext: 'Y3Q=', tag: 'dGFn' } } },
  member(alice, 'Admin'),
  member(bob, 'Developer'),
  member(carol, 'Agent'),
];

const crm = (overrides: Partial<ResourceData> = {}): ResourceData => ({
  resourceId: 'res-crm',
  type: 'integration',
  kind: 'salesforce',
  name: 'CRM',
  config: { instanceUrl: 'https://acme.my.salesforce.com' },
  secret: null,
  ...overrides,
});
const phone = (overrides: Partial<ResourceData> = {}): ResourceData => ({
  resourceId: 'res-phone',
  type: 'phone-number',
  kind: PHONE_NUMBER_KIND,
  name: 'Support line',
  config: {},
  secret: null,
  number: '+4930123456',
  provider: 'twilio',
  capabilities: ['voice'],
  ...overrides,
});

const created = (r: ResourceData): OrganizationEvent => ({ type: 'ResourceCreated', data: { organizationId: ORG, ...r } });
const ref = (r: ResourceData, status: ResourceRef['status'] = 'active', name = r.name): ResourceRef => ({
  organizationId: ORG,
  resourceId: r.resourceId,
  type: r.type,
  kind: r.kind,
  name,
  status,
});
const updated = (r: ResourceData, changes: ResourceChanges, status: ResourceRef['status'] = 'active'): OrganizationEvent => ({
  type: 'ResourceUpdated',
  data: { ...ref(r, status, changes.name ?? r.name), changes },
});
const disabled = (r: ResourceData): OrganizationEvent => ({ type: 'ResourceDisabled', data: ref(r, 'disabled') });
const enabled = (r: ResourceData): OrganizationEvent => ({ type: 'ResourceEnabled', data: ref(r, 'active') });
const deleted = (r: ResourceData, status: ResourceRef['status'] = 'active'): OrganizationEvent => ({
  type: 'ResourceDeleted',
  data: ref(r, status),
});

const create = (actor: Actor, resource: ResourceData): OrganizationCommand => ({ type: 'CreateResource', actor, at: NOW, resource });
const update = (actor: Actor, resourceId: string, changes: ResourceChanges, resourceType?: ResourceType): OrganizationCommand => ({
  type: 'UpdateResource',
  actor,
  at: NOW,
  resourceId,
  changes,
  ...(resourceType ? { resourceType } : {}),
});
const toggle = (
  type: 'DisableResource' | 'EnableResource' | 'DeleteResource',
  actor: Actor,
  resourceId: string,
  resourceType?: ResourceType,
): OrganizationCommand => ({ type, actor, at: NOW, resourceId, ...(resourceType ? { resourceType } : {}) });

const WITH_CRM: OrganizationEvent[] = [...ACME, created(crm())];
const WITH_BOTH: OrganizationEvent[] = [...WITH_CRM, created(phone())];
const CRM_DISABLED: OrganizationEvent[] = [...WITH_BOTH, disabled(crm())];
const SUSPENDED: OrganizationEvent[] = [...WITH_BOTH, { type: 'OrganizationSuspended', data: { organizationId: ORG, reason: 'unpaid' } }];

const given = DeciderSpecification.for(organizationDecider);

describe('CreateResource', () => {
  given.run([
    { name: 'an integration by an Admin', given: ACME, when: create(alice, crm()), then: emits(created(crm())) },
    {
      name: 'an integration with its secret, sealed before it reaches the decider',
      given: ACME,
      when: create(bob, crm({ secret: SEALED_1 })),
      then: emits(created(crm({ secret: SEALED_1 }))),
    },
    { name: 'a phone number by a Developer', given: WITH_CRM, when: create(bob, phone()), then: emits(created(phone())) },
    { name: 'by the operator', given: ACME, when: create(operator, crm()), then: emits(created(crm())) },
    { name: 'by the system', given: ACME, when: create(system, crm()), then: emits(created(crm())) },
    { name: 'by an Agent → permission-denied', given: ACME, when: create(carol, crm()), then: refused('forbidden', 'permission-denied') },
    { name: 'by a non-member → not-a-member', given: ACME, when: create(eve, crm()), then: refused('forbidden', 'not-a-member') },
    {
      name: 'in an organization that does not exist',
      given: [],
      when: create(alice, crm()),
      then: refused('not_found', 'organization-not-found'),
    },
    {
      name: 'in a suspended organization → organization-suspended',
      given: SUSPENDED,
      when: create(alice, crm({ resourceId: 'res-2', name: 'Other' })),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'the same id twice → resource-exists',
      given: WITH_CRM,
      when: create(alice, crm({ name: 'Another' })),
      then: refused('conflict', 'resource-exists'),
    },
    {
      name: 'a name its kind already has, in another case → resource-name-taken',
      given: WITH_CRM,
      when: create(alice, crm({ resourceId: 'res-2', name: 'crm' })),
      then: refused('conflict', 'resource-name-taken'),
    },
    {
      name: 'the same name under another kind is another resource',
      given: WITH_CRM,
      when: create(alice, crm({ resourceId: 'res-2', kind: 'hubspot' })),
      then: emits(created(crm({ resourceId: 'res-2', kind: 'hubspot' }))),
    },
    {
      name: 'a number already registered → phone-number-taken',
      given: WITH_BOTH,
      when: create(alice, phone({ resourceId: 'res-phone-2', name: 'Sales line' })),
      then: refused('conflict', 'phone-number-taken'),
    },
    {
      name: 'the name of a deleted resource is free again',
      given: [...WITH_CRM, deleted(crm())],
      when: create(alice, crm({ resourceId: 'res-2' })),
      then: emits(created(crm({ resourceId: 'res-2' }))),
    },
  ]);

  it('names the resource that holds the name', () => {
    given(WITH_CRM)
      .when(create(alice, crm({ resourceId: 'res-2', name: 'CRM' })))
      .thenThrows('conflict', 'resource-name-taken', { resourceId: 'res-crm' });
  });
});

describe('UpdateResource', () => {
  given.run([
    {
      name: 'rename and reconfigure an integration',
      given: WITH_BOTH,
      when: update(bob, 'res-crm', { name: 'Sales CRM', config: { instanceUrl: 'https://b.example' } }, 'integration'),
      then: emits(updated(crm(), { name: 'Sales CRM', config: { instanceUrl: 'https://b.example' } })),
    },
    {
      name: 'set a secret on an integration that had none',
      given: WITH_BOTH,
      when: update(alice, 'res-crm', { secret: SEALED_1 }, 'integration'),
      then: emits(updated(crm(), { secret: SEALED_1 })),
    },
    {
      name: 'replace the secret',
      given: [...WITH_BOTH, updated(crm(), { secret: SEALED_1 })],
      when: update(alice, 'res-crm', { secret: SEALED_2 }, 'integration'),
      then: emits(updated(crm(), { secret: SEALED_2 })),
    },
    {
      name: 'a disabled resource says so in its event',
      given: CRM_DISABLED,
      when: update(alice, 'res-crm', { name: 'Old CRM' }, 'integration'),
      then: emits(updated(crm(), { name: 'Old CRM' }, 'disabled')),
    },
    {
      name: 'a phone number: its name and capabilities',
      given: WITH_BOTH,
      when: update(alice, 'res-phone', { name: 'Hotline', capabilities: ['voice', 'sms'] }, 'phone-number'),
      then: emits(updated(phone(), { name: 'Hotline', capabilities: ['voice', 'sms'] })),
    },
    {
      name: 'renaming to its own name in another case is no conflict',
      given: WITH_BOTH,
      when: update(alice, 'res-crm', { name: 'Crm' }),
      then: emits(updated(crm(), { name: 'Crm' })),
    },
    { name: 'no change → nothing', given: WITH_BOTH, when: update(alice, 'res-crm', {}, 'integration'), then: nothing },
    {
      name: 'a phone number has no secret → not-applicable',
      given: WITH_BOTH,
      when: update(alice, 'res-phone', { secret: SEALED_1 }),
      then: refused('unprocessable', 'not-applicable'),
    },
    {
      name: 'a phone number has no config → not-applicable',
      given: WITH_BOTH,
      when: update(alice, 'res-phone', { config: { a: 1 } }),
      then: refused('unprocessable', 'not-applicable'),
    },
    {
      name: 'a name another resource of its kind has → resource-name-taken',
      given: [...WITH_BOTH, created(crm({ resourceId: 'res-2', name: 'Other' }))],
      when: update(alice, 'res-2', { name: 'CRM' }, 'integration'),
      then: refused('conflict', 'resource-name-taken'),
    },
    {
      name: 'an integration addressed as a phone number → resource-not-found',
      given: WITH_BOTH,
      when: update(alice, 'res-crm', { name: 'x' }, 'phone-number'),
      then: refused('not_found', 'resource-not-found'),
    },
    {
      name: 'a phone number addressed as an integration → resource-not-found',
      given: WITH_BOTH,
      when: update(alice, 'res-phone', { name: 'x' }, 'integration'),
      then: refused('not_found', 'resource-not-found'),
    },
    {
      name: 'a missing resource → resource-not-found',
      given: WITH_BOTH,
      when: update(alice, 'res-nope', { name: 'x' }, 'integration'),
      then: refused('not_found', 'resource-not-found'),
    },
    {
      name: 'a deleted resource → resource-not-found',
      given: [...WITH_BOTH, deleted(crm())],
      when: update(alice, 'res-crm', { name: 'x' }, 'integration'),
      then: refused('not_found', 'resource-not-found'),
    },
    {
      name: 'by an Agent → permission-denied',
      given: WITH_BOTH,
      when: update(carol, 'res-crm', { name: 'x' }, 'integration'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'in a suspended organization → organization-suspended',
      given: SUSPENDED,
      when: update(alice, 'res-crm', { name: 'x' }, 'integration'),
      then: refused('conflict', 'organization-suspended'),
    },
  ]);
});

describe('DisableResource, EnableResource, DeleteResource', () => {
  given.run([
    { name: 'disable an integration', given: WITH_BOTH, when: toggle('DisableResource', bob, 'res-crm', 'integration'), then: emits(disabled(crm())) },
    { name: 'disable it again → nothing', given: CRM_DISABLED, when: toggle('DisableResource', bob, 'res-crm', 'integration'), then: nothing },
    { name: 'enable it', given: CRM_DISABLED, when: toggle('EnableResource', bob, 'res-crm', 'integration'), then: emits(enabled(crm())) },
    { name: 'enable an active one → nothing', given: WITH_BOTH, when: toggle('EnableResource', bob, 'res-crm'), then: nothing },
    { name: 'disable a phone number', given: WITH_BOTH, when: toggle('DisableResource', alice, 'res-phone', 'phone-number'), then: emits(disabled(phone())) },
    { name: 'delete a phone number', given: WITH_BOTH, when: toggle('DeleteResource', alice, 'res-phone', 'phone-number'), then: emits(deleted(phone())) },
    { name: 'delete a disabled integration', given: CRM_DISABLED, when: toggle('DeleteResource', alice, 'res-crm', 'integration'), then: emits(deleted(crm(), 'disabled')) },
    {
      name: 'delete under the wrong collection → resource-not-found',
      given: WITH_BOTH,
      when: toggle('DeleteResource', alice, 'res-crm', 'phone-number'),
      then: refused('not_found', 'resource-not-found'),
    },
    {
      name: 'disable under the wrong collection → resource-not-found',
      given: WITH_BOTH,
      when: toggle('DisableResource', alice, 'res-phone', 'integration'),
      then: refused('not_found', 'resource-not-found'),
    },
    {
      name: 'delete twice → resource-not-found',
      given: [...WITH_BOTH, deleted(crm())],
      when: toggle('DeleteResource', alice, 'res-crm', 'integration'),
      then: refused('not_found', 'resource-not-found'),
    },
    {
      name: 'by an Agent → permission-denied',
      given: WITH_BOTH,
      when: toggle('DeleteResource', carol, 'res-crm', 'integration'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by a non-member → not-a-member',
      given: WITH_BOTH,
      when: toggle('DisableResource', eve, 'res-crm', 'integration'),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'in a suspended organization → organization-suspended',
      given: SUSPENDED,
      when: toggle('DeleteResource', alice, 'res-crm', 'integration'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'in an organization that does not exist',
      given: [],
      when: toggle('EnableResource', alice, 'res-crm'),
      then: refused('not_found', 'organization-not-found'),
    },
  ]);
});

describe('evolving resources', () => {
  it('keeps each resource as its events leave it', () => {
    const state = given([...CRM_DISABLED, updated(crm(), { name: 'Old CRM', secret: SEALED_1 }, 'disabled'), deleted(phone())]).state();
    expect([...state.resources.keys()]).toEqual(['res-crm']);
    expect(state.resources.get('res-crm')).toEqual({ ...crm(), name: 'Old CRM', secret: SEALED_1, status: 'disabled' });
  });
});
