import { Inject, Injectable } from '@nestjs/common';
import { DomainError, EventStore, ProjectionRunner, ReadModelDatabase } from '@lib/eventstore';
import { EVENT_STORE, PROJECTIONS, READ_MODELS, SERVICE_CONFIG } from '@lib/service-kit';
import { assertRoleGrants, credentialName, decideAccess, isPermission, Permission, Principal } from '@lib/auth';
import { Region, regionOfOrganization, Role } from '@lib/contracts';
import { assertServedHere, assertTokenScoped, sortableId } from '@lib/platform';
import { OrganizationConfig } from '../config';
import { KnownUserRepository } from '../directory/known-user.repository';
import { SecretBox } from '../resources/secret-box';
import { OrganizationRepository } from './organization.repository';
import { Actor, OrganizationCommand, OrganizationState, roleOf } from './organization.decider';
import { AuditFilter, queryAudit } from '../audit/audit.read-model';
import { assertMfaSatisfied } from '../mfa-requirement/mfa-requirement.decider';
import { OrganizationReadModel } from './projections/organization.read-model';

type CommandBody = OrganizationCommand extends infer C ? (C extends OrganizationCommand ? Omit<C, 'at' | 'actor'> : never) : never;

export type { Page } from './projections/organization.read-model';

@Injectable()
export class OrganizationsService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrganizationConfig,
    private readonly organizations: OrganizationRepository,
    private readonly knownUsers: KnownUserRepository,
    private readonly secrets: SecretBox,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner,
    private readonly readModel: OrganizationReadModel,
  ) {}

  private get region(): Region {
    return this.config.REGION;
  }

  /** a well-formed id of this region, or the right error: 404 for garbage, 421 naming the region that serves it */
  checkId(organizationId: string) {
    assertServedHere(organizationId, this.region);
  }


  actorOf(principal: Principal): Actor {
    if (principal.kind === 'user') return { kind: 'user', userId: principal.userId, email: principal.email };
    if (principal.kind === 'operator') return { kind: 'operator' };
    if (principal.kind === 'apiKey') return { kind: 'apiKey', keyId: principal.keyId, role: principal.role };
    return { kind: 'system' };
  }

  /** org-scoped endpoints take a user token only when it was scoped to that organization */
  assertScoped(principal: Principal, organizationId: string) {
    assertTokenScoped(principal, organizationId);
  }


  /** the request's correlation id reaches the events through the observed event store */
  async command(
    organizationId: string,
    principal: Principal,
    body: CommandBody | ((state: OrganizationState) => CommandBody),
    actor: Actor = this.actorOf(principal),
  ) {
    const at = new Date().toISOString();
    // a body built from the state is built under the organization's lock, where the decider reads the same state
    const build = (state: OrganizationState) => ({ ...(typeof body === 'function' ? body(state) : body), at, actor }) as OrganizationCommand;
    // the audit names who did it: a user id, `operator`, `service:<credential>` or `key:<api key id>`
    const result = await this.organizations.handleWith(organizationId, build, { at, actor: credentialName(principal) });
    if (result.position > 0) await this.projections.waitFor(result.position);
    return result;
  }

  async provision(input: { name: string; region: Region; adminEmail: string }, principal: Principal) {
    if (input.region !== this.region) {
      throw new DomainError(
        'unprocessable',
        `this stack serves region ${this.region}; provision organizations of region ${input.region} on the ${input.region} stack`,
        'wrong-region',
        { region: this.region },
      );
    }
    const organizationId = `org-${this.region}-${sortableId()}`;
    const known = await this.knownUsers.load(input.adminEmail);
    // only an account that proved it owns the address becomes Admin at once; otherwise the address is invited
    const adminUserId = known.state.verified ? known.state.userId : null;
    const invitationExpiresAt = new Date(Date.now() + this.config.INVITATION_TTL_SECONDS * 1000).toISOString();
    const invitationId = `inv-${sortableId()}`;
    const result = await this.command(
      organizationId,
      principal,
      {
        type: 'ProvisionOrganization',
        organizationId,
        name: input.name,
        region: input.region,
        admin: { email: input.adminEmail, userId: adminUserId },
        invitationId,
        invitationExpiresAt,
        wrappedKey: this.secrets.newWrappedKey(),
      },
      // a service credential reaches this only with the organizations:provision scope (AuthGuard)
      principal.kind === 'service' ? { kind: 'operator' } : this.actorOf(principal),
    );
    return {
      ...this.view(result.state),
      admin: adminUserId
        ? { email: input.adminEmail, userId: adminUserId, status: 'member' as const }
        : { email: input.adminEmail, status: 'invited' as const, invitationId, expiresAt: invitationExpiresAt },
    };
  }

  /** an invitation id and its expiry are made here, from this service's clock and settings */
  async invite(organizationId: string, principal: Principal, input: { email: string; role: Role }) {
    this.checkId(organizationId);
    this.assertScoped(principal, organizationId);
    const invitationId = `inv-${sortableId()}`;
    const expiresAt = new Date(Date.now() + this.config.INVITATION_TTL_SECONDS * 1000).toISOString();
    const result = await this.command(organizationId, principal, { type: 'InviteMember', invitationId, email: input.email, role: input.role, expiresAt });
    const invitation = result.state.invitations.get(invitationId)!;
    return { ...invitation, organizationId };
  }

  /** the signed-in user joins with the invitation addressed to their (verified) email */
  async acceptInvitation(invitationId: string, principal: Extract<Principal, { kind: 'user' }>) {
    // the token's email is only a claim until its owner proved they receive mail there
    if (!principal.emailVerified) {
      throw new DomainError('forbidden', 'confirm your email address (the link we mailed you) before accepting an invitation', 'email-not-verified');
    }
    const organizationId = this.organizationOfInvitation(invitationId);
    const result = await this.command(organizationId, principal, {
      type: 'AcceptInvitation',
      invitationId,
      userId: principal.userId,
      email: principal.email.toLowerCase(),
    });
    const member = result.state.members.get(principal.userId)!;
    return { organizationId, name: result.state.name, region: result.state.region, role: member.role };
  }

  view(state: OrganizationState) {
    return {
      id: state.id,
      name: state.name,
      region: state.region,
      status: state.status,
      memberCount: state.members.size,
      mfaRequired: state.mfaRequired ?? false,
    };
  }

  /** loads an organization and checks that the caller may read it with `permission` */
  async read(organizationId: string, principal: Principal, permission: Permission) {
    this.checkId(organizationId);
    const { state, revision } = await this.organizations.load(organizationId);
    if (!state.exists) throw new DomainError('not_found', 'organization not found', 'organization-not-found');
    if (principal.kind === 'user' || principal.kind === 'apiKey') {
      this.assertScoped(principal, organizationId);
      assertRoleGrants(roleOf(state, this.actorOf(principal)), permission);
      assertMfaSatisfied(state, principal);
    }
    return { state, revision };
  }

  listOrganizations(cursor: string | undefined, limit: number) {
    return this.readModel.listOrganizations(cursor, limit);
  }

  listMembers(organizationId: string, cursor: string | undefined, limit: number) {
    return this.readModel.listMembers(organizationId, cursor, limit);
  }

  /** which organization an invitation belongs to (a lookup for routing; the write model decides) */
  organizationOfInvitation(invitationId: string): string {
    return this.readModel.organizationOfInvitation(invitationId);
  }

  /** the audit trail read model (the organization's own changes and what other services recorded), newest first */
  audit(organizationId: string, filter: AuditFilter, cursor: string | undefined, limit: number) {
    return queryAudit(this.readModels.db, organizationId, filter, cursor, limit);
  }

  /** for the gateway: decided from the write model's current state, whatever any token says */
  async check(userId: string, organizationId: string, permission: string, mfa = false) {
    if (!isPermission(permission)) {
      throw new DomainError('invalid', `unknown permission ${permission}`, 'unknown-permission');
    }
    const region = regionOfOrganization(organizationId);
    if (!region || region !== this.region) return { allowed: false, role: null as Role | null, reason: 'unknown-organization' };
    const { state } = await this.organizations.load(organizationId);
    const decision = decideAccess(
      { exists: state.exists, suspended: state.status === 'suspended', role: state.members.get(userId)?.role ?? null, mfaRequired: state.mfaRequired === true, mfa },
      permission,
    );
    return decision.allowed ? { allowed: true, role: decision.role } : decision;
  }
}
