import { Injectable } from '@nestjs/common';
import { SnapshotPolicy } from '@lib/eventstore';
import { EventSourcedRepository } from '@lib/service-kit';
import { organizationDecider, organizationSnapshots } from './organization.decider';
import { organizationStream } from './organization.events';

/** organizations, each one stream under its own lock (commands are decided one at a time per organization) */
@Injectable()
export class OrganizationRepository extends EventSourcedRepository(organizationDecider, organizationStream, { cacheSize: 50_000, snapshots: organizationSnapshots as SnapshotPolicy<unknown> }) {}
