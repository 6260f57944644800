import { HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError, EventStore, WrongExpectedRevisionError } from '@lib/eventstore';
import { EVENT_STORE, SERVICE_CONFIG } from '@lib/service-kit';
import { notAMember, Principal } from '@lib/auth';
import { ProblemException, sortableId } from '@lib/platform';
import { IdentityConfig } from './config';
import { SigningKeys } from './keys/signing-keys';
import { UserRepository } from './users/user.repository';
import { SessionRepository } from './sessions/session.repository';
import { InvitationsRepository, KnownOrganizationRepository } from './directory/directory.repositories';
import { emailStream } from './users/user.decider';
import { passwordProblem } from './users/password-policy';
import { throttle } from './recovery/throttle';
import { VerificationService } from './verification/verification.service';
import { MfaService } from './mfa/mfa.service';
import { AMR_MFA, AMR_PASSWORD, amrOf } from './mfa/amr';
import { RegionsService } from './regions/regions.service';
import { SessionGenerations } from './recovery/session-generations';

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

@Injectable()
export class IdentityService {
  private readonly failuresByEmail: RateLimiterMemory;
  private readonly failuresByIp: RateLimiterMemory;
  private readonly signUps: RateLimiterMemory;
  /** verified against when the email is unknown, so both failures cost the same time */
  private readonly dummyHash: Promise<string>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly users: UserRepository,
    private readonly organizations: KnownOrganizationRepository,
    private readonly invitations: InvitationsRepository,
    private readonly sessions: SessionRepository,
    private readonly keys: SigningKeys,
    private readonly verification: VerificationService,
    private readonly mfa: MfaService,
    private readonly regions: RegionsService,
    private readonly generations: SessionGenerations,
  ) {
    const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS } = config;
    // per account, whatever the address: rotating client addresses buys no extra guesses
    this.failuresByEmail = new RateLimiterMemory({ points: LOGIN_MAX_FAILURES, duration: LOGIN_FAILURE_WINDOW_SECONDS });
    this.failuresByIp = new RateLimiterMemory({ points: LOGIN_MAX_FAILURES * 20, duration: LOGIN_FAILURE_WINDOW_SECONDS });
    this.dummyHash = hash(randomBytes(16).toString('hex'));
    this.signUps = new RateLimiterMemory({ points: config.SIGNUP_MAX_PER_IP, duration: config.SIGNUP_WINDOW_SECONDS });
  }


  async register(input: { email: string; password: string; displayName: string; invitationToken?: string }, ip = 'unknown') {
    // every sign-up mails someone: bounded per client address (TRUSTED_PROXIES decides what the address is)
    await throttle(this.signUps, ip, 'too many sign-ups from this address', 'sign-up-throttled');
    const problem = passwordProblem(input.password, input.email, this.config.PASSWORD_MIN_LENGTH);
    if (problem) throw new DomainError('invalid', problem, 'weak-password', { errors: [{ field: 'password', message: problem }] });
    const at = new Date().toISOString();
    // signing up from an invitation link proves the mailbox: checked before anything is written
    const invitationId = input.invitationToken ? await this.verification.checkInvitationLink(input.invitationToken, input.email, at) : null;
    const metadata = { at, actor: 'anonymous' };
    // uniqueness on the write side: the email's reservation stream can only be created once
    // with peer regions, the id names this home region (docs/regions.md); alone, ids stay as they always were
    let userId = this.config.REGION_PEERS && Object.keys(this.config.REGION_PEERS).length > 0 ? `usr-${this.config.REGION}-${sortableId()}` : `usr-${sortableId()}`;
    try {
      await this.store.append(emailStream(input.email), [{ type: 'EmailReserved', data: { userId }, metadata }], {
        expectedRevision: 'no_stream',
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      const [reservation] = await this.store.readStream(emailStream(input.email), { direction: 'backwards', maxCount: 1 });
      const reserved = (reservation.data as { userId: string }).userId;
      const existing = await this.users.load(reserved);
      if (existing.state.deleted) {
        // the address belonged to a deleted account: it is free again, for a new user with a new id
        await this.store.append(emailStream(input.email), [{ type: 'EmailReserved', data: { userId }, metadata }], {
          expectedRevision: reservation.revision,
        });
      } else {
        userId = reserved;
        if (existing.state.registered) throw new DomainError('conflict', 'a user with this email already exists', 'email-taken');
        // the reservation was made by a registration that stopped before it finished: this one completes it
      }
    }
    const passwordHash = await hash(input.password);
    const result = await this.users.handle(
      userId,
      { type: 'RegisterUser', userId, email: input.email, displayName: input.displayName, passwordHash },
      metadata,
    );
    if (invitationId) await this.verification.verifyByInvitation(userId, input.email, at);
    else await this.verification.request(userId, at);
    return { ...this.userView(result.state), emailVerified: invitationId !== null };
  }

  /** the account that holds the email now (the latest reservation), or null; a deleted account is no account */
  async userByEmail(email: string) {
    const [reservation] = await this.store.readStream(emailStream(email), { direction: 'backwards', maxCount: 1 });
    if (!reservation) return null;
    const { state } = await this.users.load((reservation.data as { userId: string }).userId);
    return state.deleted ? null : state;
  }

  userView(state: { userId: string; email: string; displayName: string }) {
    return { id: state.userId, email: state.email, displayName: state.displayName };
  }

  async signIn(email: string, password: string, ip: string) {
    // the attempt is counted before the password is checked, atomically: parallel guesses cannot overtake the limit
    await this.countAttempt(email, ip);
    const user = await this.userByEmail(email);
    const ok = user?.registered ? await verify(user.passwordHash, password) : (await verify(await this.dummyHash, password), false);
    if (!ok || !user) throw new UnauthorizedException('the email or password is wrong');
    // a success clears the account's count and gives the address its attempt back
    await Promise.all([this.failuresByEmail.delete(email), this.failuresByIp.reward(ip, 1)]);
    // enrolled in a second factor: no token yet, only the single-use step that the code must come with
    if (await this.mfa.isEnabled(user.userId)) return this.mfa.challenge(user.userId);
    return this.signedIn(user, AMR_PASSWORD);
  }

  /** the second step of a sign-in with MFA: the challenge token and a code (or a recovery code) */
  async completeMfaSignIn(mfaToken: string, code: { code?: string; recoveryCode?: string }) {
    const { userId } = await this.mfa.complete(mfaToken, code);
    return this.signedIn((await this.users.load(userId)).state, AMR_MFA);
  }

  private async signedIn(user: { userId: string; email: string; displayName: string }, method: readonly string[]) {
    return {
      ...(await this.startSession(user, method)),
      user: this.userView(user),
      organizations: await this.organizationsOf(user.userId),
    };
  }

  /** a new session in the user's current session generation, authenticated by `method` (amr): an access token and its refresh token */
  async startSession(user: { userId: string; email: string }, method: readonly string[] = AMR_PASSWORD) {
    const amr = [...method];
    const sessionId = sortableId();
    const secret = randomBytes(32).toString('base64url');
    const at = new Date().toISOString();
    const generation = await this.generations.current(user.userId);
    await this.sessions.handle(
      sessionId,
      { type: 'StartSession', sessionId, userId: user.userId, refreshHash: sha256(secret), expiresAt: this.refreshExpiry(), amr, generation },
      { at, actor: user.userId },
    );
    return {
      ...(await this.tokens(user.userId, user.email, sessionId, null, await this.verification.isVerified(user.userId), amr)),
      refreshToken: `rt_${sessionId}.${secret}`,
    };
  }

  /**
   * Takes one point from the account's and the address's budgets before any password work. The memory
   * limiter's consume is a synchronous increment, so of N parallel attempts at most the limit pass.
   */
  async countAttempt(email: string, ip: string) {
    const results = await Promise.allSettled([this.failuresByEmail.consume(email), this.failuresByIp.consume(ip)]);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (refused) {
      if (!(refused.reason instanceof RateLimiterRes)) throw refused.reason;
      const retryAfter = Math.max(1, Math.ceil(refused.reason.msBeforeNext / 1000));
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        `too many failed sign-ins; try again in ${retryAfter} s`,
        { code: 'sign-in-throttled', retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
  }

  private refreshExpiry() {
    return new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString();
  }

  private async tokens(
    userId: string,
    email: string,
    sessionId: string,
    organization: { id: string; region: string } | null,
    emailVerified: boolean,
    amr: string[],
  ) {
    const ttl = this.config.ACCESS_TOKEN_TTL_SECONDS;
    // amr (RFC 8176): how the session was authenticated; organization reads `mfa` from it (docs/mfa.md)
    const claims: Record<string, unknown> = { email, email_verified: emailVerified, sid: sessionId, amr };
    if (organization) Object.assign(claims, { org: organization.id, region: organization.region });
    const accessToken = await this.keys.sign(claims, userId, ttl, randomUUID());
    return { accessToken, tokenType: 'Bearer', expiresIn: ttl, ...(organization ? { organizationId: organization.id } : {}) };
  }

  async organizationsOf(userId: string) {
    const { state } = await this.users.load(userId);
    const result = [];
    for (const [organizationId, role] of state.memberships) {
      const { state: known } = await this.organizations.load(organizationId);
      result.push({
        id: organizationId,
        name: known.profile?.name ?? '',
        region: known.profile?.region ?? null,
        status: known.profile?.status ?? 'active',
        role,
      });
    }
    // organizations in peer regions, from the membership index (none without REGION_PEERS)
    result.push(...(await this.regions.organizationsOf(userId)));
    return result.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** an access token scoped to one organization the user belongs to now */
  async selectOrganization(principal: Extract<Principal, { kind: 'user' }>, organizationId: string, sessionId: string | undefined) {
    const { state } = await this.users.load(principal.userId);
    // an organization of a peer region: its region decides every request from its own current state
    const remote = state.memberships.has(organizationId) ? null : await this.regions.roleIn(principal.userId, organizationId);
    const role = state.memberships.get(organizationId) ?? remote?.role;
    if (!role) throw notAMember();
    if (!(await this.verification.isVerified(principal.userId))) {
      throw new DomainError('forbidden', 'confirm your email address (the link we mailed you) before working in an organization', 'email-not-verified');
    }
    const amr = sessionId ? amrOf((await this.sessions.load(sessionId)).state) : [...AMR_PASSWORD];
    if (remote) {
      // the peer region decides its MFA requirement from `amr` on every request (docs/mfa.md, docs/regions.md)
      if (sessionId) await this.sessions.handle(sessionId, { type: 'ScopeSession', organizationId }, { at: new Date().toISOString(), actor: principal.userId });
      return { ...(await this.tokens(principal.userId, principal.email, sessionId ?? sortableId(), { id: organizationId, region: remote.region }, true, amr)), role };
    }
    const { state: known } = await this.organizations.load(organizationId);
    if (known.profile?.status === 'suspended') {
      throw new DomainError('forbidden', 'the organization is suspended; sign-in to it is refused', 'organization-suspended');
    }
    if (known.profile?.mfaRequired && !amr.includes('mfa')) {
      if (!(await this.mfa.isEnabled(principal.userId))) {
        throw new DomainError('forbidden', 'this organization requires a second factor: enrol (POST /v1/me/mfa/totp), then sign in again', 'mfa-enrolment-required');
      }
      throw new DomainError('forbidden', 'this organization requires a second factor: sign in again with your code', 'mfa-required');
    }
    if (sessionId) {
      if (!(await this.generations.isCurrent(sessionId))) throw new UnauthorizedException('the session was ended (password reset, password change or sign out everywhere)');
      await this.sessions.handle(sessionId, { type: 'ScopeSession', organizationId }, { at: new Date().toISOString(), actor: principal.userId });
    }
    const region = known.profile?.region ?? organizationId.split('-')[1];
    return { ...(await this.tokens(principal.userId, principal.email, sessionId ?? sortableId(), { id: organizationId, region }, true, amr)), role };
  }

  async refresh(refreshToken: string) {
    const [sessionId, secret] = refreshToken.slice(3).split('.');
    const newSecret = randomBytes(32).toString('base64url');
    const at = new Date().toISOString();
    try {
      // a reset, a password change or "sign out everywhere" ended every session of an older generation
      if (!(await this.generations.isCurrent(sessionId))) throw new UnauthorizedException('the session was ended (password reset, password change or sign out everywhere)');
      const result = await this.sessions.handle(
        sessionId,
        { type: 'RefreshSession', presentedHash: sha256(secret), newHash: sha256(newSecret), expiresAt: this.refreshExpiry(), at },
        { at, actor: 'session' },
      );
      if (result.state.ended) throw new UnauthorizedException('the refresh token was already used; the session is ended');
      const { state: user } = await this.users.load(result.state.userId);
      let organization: { id: string; region: string } | null = null;
      const scoped = result.state.organizationId;
      const verified = await this.verification.isVerified(user.userId);
      if (scoped && verified && user.memberships.has(scoped)) {
        const { state: known } = await this.organizations.load(scoped);
        const mfaMissing = known.profile?.mfaRequired === true && !amrOf(result.state).includes('mfa');
        if (known.profile?.status !== 'suspended' && !mfaMissing) organization = { id: scoped, region: known.profile?.region ?? scoped.split('-')[1] };
      }
      return { ...(await this.tokens(user.userId, user.email, sessionId, organization, verified, amrOf(result.state))), refreshToken: `rt_${sessionId}.${newSecret}` };
    } catch (error) {
      if (error instanceof DomainError) throw new UnauthorizedException('the refresh token is not valid');
      throw error;
    }
  }

  async signOut(refreshToken: string) {
    const [sessionId, secret] = refreshToken.slice(3).split('.');
    try {
      await this.sessions.handle(sessionId, { type: 'EndSession', presentedHash: sha256(secret) }, { at: new Date().toISOString(), actor: 'session' });
    } catch (error) {
      if (error instanceof DomainError) throw new UnauthorizedException('the refresh token is not valid');
      throw error;
    }
  }

  async me(userId: string) {
    const { state } = await this.users.load(userId);
    if (!state.registered || state.deleted) throw new DomainError('not_found', 'user not found', 'user-not-found');
    const [emailVerified, mfaEnabled] = await Promise.all([this.verification.isVerified(userId), this.mfa.isEnabled(userId)]);
    return { user: { ...this.userView(state), emailVerified, mfaEnabled }, organizations: await this.organizationsOf(userId) };
  }

  async myInvitations(email: string) {
    const { state } = await this.invitations.load(email.toLowerCase());
    const now = new Date().toISOString();
    const items = [];
    for (const invitation of state.pending.values()) {
      if (invitation.expiresAt <= now) continue;
      const { state: known } = await this.organizations.load(invitation.organizationId);
      const { tokenHash: _hash, sendId: _send, ...visible } = invitation;
      items.push({ ...visible, organizationName: known.profile?.name ?? '', region: known.profile?.region ?? null });
    }
    return { items };
  }
}
