import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { passwordResetDecider, passwordResetStream, userSessionsDecider, userSessionsStream } from './recovery.decider';

@Injectable()
export class PasswordResetRepository extends EventSourcedRepository(passwordResetDecider, passwordResetStream, { cacheSize: 10_000 }) {}

/** the session generation of each user */
@Injectable()
export class UserSessionsRepository extends EventSourcedRepository(userSessionsDecider, userSessionsStream, { cacheSize: 50_000 }) {}
