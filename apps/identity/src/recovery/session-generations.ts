import { Injectable } from '@nestjs/common';
import { SessionRepository } from '../sessions/session.repository';
import { SessionsEndedReason } from './recovery.decider';
import { UserSessionsRepository } from './recovery.repositories';

/**
 * Every session of a user ends at once by moving the user's session generation on: a session remembers the
 * generation it started in, and refresh and organization selection refuse a session of an older one. Access
 * tokens are short-lived (ACCESS_TOKEN_TTL_SECONDS) and verified offline by every service, so an access token
 * already issued lives out its few minutes; nothing can renew it.
 */
@Injectable()
export class SessionGenerations {
  constructor(
    private readonly generations: UserSessionsRepository,
    private readonly sessions: SessionRepository,
  ) {}

  async current(userId: string) {
    return (await this.generations.load(userId)).state.generation;
  }

  /** false when the session belongs to an older generation (or does not exist) */
  async isCurrent(sessionId: string) {
    const { state: session } = await this.sessions.load(sessionId);
    if (!session.exists) return true; // the session's own checks refuse it
    return session.generation >= (await this.current(session.userId));
  }

  async endAll(userId: string, reason: SessionsEndedReason, at: string) {
    await this.generations.handle(userId, { type: 'EndAllSessions', userId, reason }, { at, actor: userId });
  }
}
