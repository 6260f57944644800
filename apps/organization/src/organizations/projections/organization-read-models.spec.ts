import { Projection, ReadModelDatabase, RecordedEvent } from '@lib/eventstore';
import { OrganizationEvent, organizationStream } from '../organization.events';
import { invitationsProjection, membersProjection, organizationProjections, organizationsProjection } from './organization-read-models';
import { OrganizationReadModel } from './organization.read-model';

/* given (recorded events) / then (rows, read through the read model's own queries) */

const ORG = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
const OTHER = 'org-eu-01jzzzzzzzzzzzzzzzzzzzzzzz';
const T1 = '2025-03-01T09:00:00.000Z';
const T2 = '2025-03-02T09:00:00.000Z';

let position = 0;
const recorded = (event: OrganizationEvent, at = T1, actor = 'u-alice'): RecordedEvent => ({
  id: `ev-${++position}`,
  type: event.type,
  data: event.data,
  metadata: { at, actor },
  streamName: organizationStream(event.data.organizationId),
  revision: position,
  position,
  recordedAt: '2099-01-01T00:00:00.000Z',
});

const provisioned = (organizationId = ORG, name = 'Acme'): OrganizationEvent => ({
  type: 'OrganizationProvisioned',
  data: { organizationId, name, region: 'eu' },
});
const added = (userId: string, role: 'Admin' | 'Developer' | 'Agent', organizationId = ORG): OrganizationEvent => ({
  type: 'MemberAdded',
  data: { organizationId, userId, email: `${userId}@acme.test`, role, via: 'invitation' },
});

function given(projections: Projection[], events: RecordedEvent[]) {
  const readModels = new ReadModelDatabase(':memory:');
  // every table exists (the read model prepares its queries over all three); only `projections` see the events
  for (const p of organizationProjections) p.setup(readModels.db);
  for (const event of events) for (const p of projections) if (p.handles.includes(event.type)) p.apply(event, readModels.db);
  return { db: readModels.db, readModel: new OrganizationReadModel(readModels), close: () => readModels.close() };
}

describe('organizations projection', () => {
  it('handles exactly the event types it has handlers for', () => {
    expect([...organizationsProjection.handles].sort()).toEqual(
      ['MemberAdded', 'MemberRemoved', 'OrganizationProvisioned', 'OrganizationReactivated', 'OrganizationRenamed', 'OrganizationSuspended'].sort(),
    );
  });

  it('given provisioning, a rename, a suspension and members: one row per organization, counted', () => {
    const { readModel, close } = given(
      [organizationsProjection],
      [
        recorded(provisioned()),
        recorded(provisioned(OTHER, 'Globex')),
        recorded({ type: 'OrganizationRenamed', data: { organizationId: ORG, name: 'Acme Corp', previousName: 'Acme' } }, T2),
        recorded({ type: 'OrganizationSuspended', data: { organizationId: OTHER, reason: 'unpaid' } }, T2),
        recorded(added('u-alice', 'Admin')),
        recorded(added('u-bob', 'Developer')),
        recorded({ type: 'MemberRemoved', data: { organizationId: ORG, userId: 'u-bob', email: 'u-bob@acme.test', role: 'Developer', by: 'self' } }),
        // an event the projection does not handle leaves it as it is
        recorded({ type: 'OrganizationKeyIssued', data: { organizationId: ORG, wrappedKey: { iv: 'a', ciphertext: 'b', tag: 'c' } } }),
      ],
    );
    expect(readModel.listOrganizations(undefined, 10)).toEqual({
      items: [
        { id: ORG, name: 'Acme Corp', region: 'eu', status: 'active', memberCount: 1, createdAt: T1 },
        { id: OTHER, name: 'Globex', region: 'eu', status: 'suspended', memberCount: 0, createdAt: T1 },
      ],
      nextCursor: null,
    });
    expect(readModel.listOrganizations(undefined, 1)).toEqual({ items: [expect.objectContaining({ id: ORG })], nextCursor: ORG });
    expect(readModel.listOrganizations(ORG, 1)).toEqual({ items: [expect.objectContaining({ id: OTHER })], nextCursor: null });
    close();
  });

  it('a provisioning seen twice (a replayed batch) keeps the first row', () => {
    const { readModel, close } = given([organizationsProjection], [recorded(provisioned()), recorded(provisioned(ORG, 'Again'), T2)]);
    expect(readModel.listOrganizations(undefined, 10).items).toEqual([expect.objectContaining({ name: 'Acme', createdAt: T1 })]);
    close();
  });
});

describe('members projection', () => {
  it('given joins, a role change and a removal: the members as they are now, by user id', () => {
    const { readModel, close } = given(
      [membersProjection],
      [
        recorded(added('u-carol', 'Agent')),
        recorded(added('u-alice', 'Admin')),
        recorded(added('u-bob', 'Developer'), T2),
        recorded(added('u-zed', 'Agent', OTHER)),
        recorded({ type: 'MemberRoleChanged', data: { organizationId: ORG, userId: 'u-carol', from: 'Agent', to: 'Developer' } }, T2),
        recorded({ type: 'MemberRemoved', data: { organizationId: ORG, userId: 'u-alice', email: 'u-alice@acme.test', role: 'Admin', by: 'admin' } }),
      ],
    );
    expect(readModel.listMembers(ORG, undefined, 10)).toEqual({
      items: [
        { userId: 'u-bob', email: 'u-bob@acme.test', role: 'Developer', joinedAt: T2 },
        { userId: 'u-carol', email: 'u-carol@acme.test', role: 'Developer', joinedAt: T1 },
      ],
      nextCursor: null,
    });
    expect(readModel.listMembers(ORG, undefined, 1).nextCursor).toBe('u-bob');
    expect(readModel.listMembers(OTHER, undefined, 10).items.map((m) => m.userId)).toEqual(['u-zed']);
    close();
  });
});

describe('invitations projection', () => {
  it('given invitations created, accepted and revoked: rows with status, creator and time; the organization of each', () => {
    const { db, readModel, close } = given(
      [invitationsProjection],
      [
        recorded({ type: 'InvitationCreated', data: { organizationId: ORG, invitationId: 'inv-1', email: 'a@x.test', role: 'Agent', expiresAt: T2 } }),
        recorded({ type: 'InvitationCreated', data: { organizationId: OTHER, invitationId: 'inv-2', email: 'b@x.test', role: 'Admin', expiresAt: T2 } }, T1, 'operator'),
        recorded({ type: 'InvitationAccepted', data: { organizationId: ORG, invitationId: 'inv-1', email: 'a@x.test', userId: 'u-a' } }),
        recorded({ type: 'InvitationRevoked', data: { organizationId: OTHER, invitationId: 'inv-2', email: 'b@x.test' } }),
      ],
    );
    expect(db.prepare('SELECT * FROM org_invitations ORDER BY id').all()).toEqual([
      { id: 'inv-1', org_id: ORG, email: 'a@x.test', role: 'Agent', status: 'accepted', expires_at: T2, created_at: T1, created_by: 'u-alice' },
      { id: 'inv-2', org_id: OTHER, email: 'b@x.test', role: 'Admin', status: 'revoked', expires_at: T2, created_at: T1, created_by: 'operator' },
    ]);
    expect(readModel.organizationOfInvitation('inv-2')).toBe(OTHER);
    expect(() => readModel.organizationOfInvitation('inv-nope')).toThrow(expect.objectContaining({ code: 'invitation-not-found' }));
    close();
  });
});

describe('the projections together', () => {
  it('a rebuild (drop, setup) prepares the statements again and starts empty', () => {
    const { db, readModel, close } = given(organizationProjections, [recorded(provisioned()), recorded(added('u-alice', 'Admin'))]);
    for (const p of organizationProjections) p.drop(db);
    for (const p of organizationProjections) p.setup(db);
    expect(readModel.listOrganizations(undefined, 10).items).toEqual([]);
    organizationsProjection.apply(recorded(provisioned(ORG, 'Rebuilt')), db);
    expect(readModel.listOrganizations(undefined, 10).items).toEqual([expect.objectContaining({ name: 'Rebuilt', memberCount: 0 })]);
    close();
  });
});
