import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { invitationsDecider, invitationsStream, knownOrganizationDecider, knownOrganizationStream } from './directory.decider';

/** the organizations organization published (name, region, status) */
@Injectable()
export class KnownOrganizationRepository extends EventSourcedRepository(knownOrganizationDecider, knownOrganizationStream, { cacheSize: 20_000 }) {}

/** pending invitations, by email */
@Injectable()
export class InvitationsRepository extends EventSourcedRepository(invitationsDecider, invitationsStream, { cacheSize: 10_000 }) {}
