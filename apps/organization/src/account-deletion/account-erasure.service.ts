import { Inject, Injectable } from '@nestjs/common';
import { EventStore, PersonalDataVault, ProjectionRunner, ReadModelDatabase } from '@lib/eventstore';
import { derivedEventId } from '@lib/messaging';
import { logger } from '@lib/platform';
import { EVENT_STORE, PERSONAL_DATA, PROJECTIONS, READ_MODELS } from '@lib/service-kit';
import { OrganizationRepository } from '../organizations/organization.repository';

/**
 * What organization does when identity publishes UserDeleted: the user leaves every organization
 * (MemberRemoved, by: account-deleted; even as the last Admin, since the account is gone), then organization
 * forgets its keys of the user and of their address, and rebuilds its read models from the log, where the
 * user's email and name now read as "deleted user" (members, invitations, audit). Idempotent: a redelivery
 * removes nothing more and forgets nothing more.
 */
@Injectable()
export class AccountErasure {
  private readonly log = logger('organization');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner,
    @Inject(PERSONAL_DATA) private readonly vault: PersonalDataVault | null,
    private readonly organizations: OrganizationRepository,
  ) {}

  async erase(event: { id: string; occurredAt: string; correlationId?: string; data: { userId: string } }) {
    const { userId } = event.data;
    await this.projections.waitFor(await this.store.headPosition(), 30_000);
    const rows = this.readModels.db.prepare('SELECT org_id, email FROM org_members WHERE user_id = ?').all(userId) as { org_id: string; email: string }[];
    const at = event.occurredAt;
    for (const [i, row] of rows.entries()) {
      const result = await this.organizations.handle(
        row.org_id,
        { type: 'RemoveMember', userId, accountDeleted: true, at, actor: { kind: 'system' } },
        { at, actor: 'system:identity', causationId: event.id, correlationId: event.correlationId ?? event.id },
        { eventIds: (n) => derivedEventId('organization', event.id, i * 10 + n) },
      );
      if (result.state.admins === 0) {
        this.log.warn({ organizationId: row.org_id }, 'an organization has no Admin left after an account deletion: an operator must provision one');
      }
    }
    const emails = [...new Set(rows.map((r) => r.email.toLowerCase()))];
    await this.vault?.forget([`user:${userId}`, ...emails.map((e) => `email:${e}`)]);
    // the read models held the plain values: rebuilt from the log, they hold "deleted user"
    await this.projections.rebuild();
    this.readModels.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
