import { Inject, Injectable } from '@nestjs/common';
import { verify } from '@node-rs/argon2';
import { DomainError, EventStore, PersonalDataVault, ProjectionRunner, ReadModelDatabase } from '@lib/eventstore';
import { EVENT_STORE, PERSONAL_DATA, PROJECTIONS, READ_MODELS } from '@lib/service-kit';
import { UserRepository } from '../users/user.repository';
import { KnownOrganizationRepository } from '../directory/directory.repositories';
import { MfaService } from '../mfa/mfa.service';
import { SessionGenerations } from '../recovery/session-generations';
import { IdentityService } from '../identity.service';

/** the key subjects a user's personal data is sealed for, in every service (docs/personal-data.md) */
export const personalDataSubjects = (userId: string, email: string) => [`user:${userId}`, `email:${email.toLowerCase()}`];

/**
 * Deleting one's own account (issue 9). Refused while the user is the last Admin of an organization; otherwise
 * the user stream records UserDeleted (sign-in, refresh and tokens are refused from then on, the email is free
 * for a new account), every session ends, and the user's personal-data keys are forgotten: their email and
 * name in every past event of identity's log read as "deleted user". Organization consumes UserDeleted,
 * removes the memberships and forgets its own keys (apps/organization/src/account-deletion).
 *
 * Race: the check and the deletion run one at a time in this process, and a deleted user stops counting as an
 * Admin at once (the `organization-admins` projection), so two Admins of one organization deleting themselves
 * through one identity replica cannot both pass. Across replicas the window is the projection's lag; organization
 * then still removes the member (the account is gone) and logs the organization left without an Admin.
 */
@Injectable()
export class AccountDeletionService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner,
    @Inject(PERSONAL_DATA) private readonly vault: PersonalDataVault | null,
    private readonly users: UserRepository,
    private readonly organizations: KnownOrganizationRepository,
    private readonly mfa: MfaService,
    private readonly generations: SessionGenerations,
    private readonly identity: IdentityService,
  ) {}

  async deleteAccount(userId: string, input: { password: string; code?: string; recoveryCode?: string }, ip: string) {
    const { state: user } = await this.users.load(userId);
    if (!user.registered || user.deleted) throw new DomainError('not_found', 'user not found', 'user-not-found');
    await this.identity.countAttempt(user.email, ip);
    if (!(await verify(user.passwordHash, input.password))) throw new DomainError('forbidden', 'the password is wrong', 'password-wrong');
    if (await this.mfa.isEnabled(userId)) {
      if (!input.code && !input.recoveryCode) {
        throw new DomainError('forbidden', 'your account has a second factor: give the current code (or a recovery code)', 'mfa-code-required');
      }
      await this.mfa.assertCode(userId, input);
    }
    const run = this.queue.then(() => this.deleteUnlessLastAdmin(userId, user.email));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async deleteUnlessLastAdmin(userId: string, email: string) {
    await this.projections.waitFor(await this.store.headPosition());
    const { state } = await this.users.load(userId);
    const others = this.readModels.db.prepare('SELECT count(*) AS n FROM id_org_admins WHERE org_id = ? AND user_id <> ?');
    const blocking: { id: string; name: string }[] = [];
    for (const [organizationId, role] of state.memberships) {
      if (role !== 'Admin') continue;
      if ((others.get(organizationId, userId) as { n: number }).n > 0) continue;
      const { state: known } = await this.organizations.load(organizationId);
      blocking.push({ id: organizationId, name: known.profile?.name ?? organizationId });
    }
    if (blocking.length > 0) {
      throw new DomainError(
        'conflict',
        `you are the last Admin of ${blocking.map((o) => o.name).join(', ')}: make someone else an Admin (or remove the organization) first`,
        'last-admin',
        { organizations: blocking },
      );
    }
    const at = new Date().toISOString();
    const result = await this.users.handle(userId, { type: 'DeleteUser' }, { at, actor: userId });
    await this.generations.endAll(userId, 'account-deleted', at);
    await this.vault?.forget(personalDataSubjects(userId, email));
    if (result.position > 0) await this.projections.waitFor(result.position);
  }
}
