import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import {
  PasswordResetCommand,
  passwordResetDecider,
  PasswordResetEvent,
  PasswordResetState,
  passwordResetStream,
  UserSessionsCommand,
  userSessionsDecider,
  UserSessionsEvent,
  UserSessionsState,
  userSessionsStream,
} from './recovery.decider';

@Injectable()
export class PasswordResetRepository extends AggregateRepository<PasswordResetCommand, PasswordResetEvent, PasswordResetState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, passwordResetDecider, passwordResetStream, { cacheSize: 10_000 });
  }
}

/** the session generation of each user */
@Injectable()
export class UserSessionsRepository extends AggregateRepository<UserSessionsCommand, UserSessionsEvent, UserSessionsState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, userSessionsDecider, userSessionsStream, { cacheSize: 50_000 });
  }
}
