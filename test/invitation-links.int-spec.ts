import { eventually, OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from './support/harness';
import { TestSmtpServer } from './support/smtp';
import { ReceivedMail } from './support/mail';

jest.setTimeout(60_000);

/**
 * Invitations by link over a real SMTP server (issue 9): the first Admin signs up from the provisioning mail,
 * invites by mail, the invitee declines or joins; resend (throttled) kills the old link, revoke closes it,
 * and the list shows each invitation's state, paginated like members.
 */
describe('invitations by link', () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  let orgId: string;
  let adminToken: string;

  const mailsTo = (to: string, n: number) =>
    eventually(async () => {
      const mails = smtp.mailsTo(to);
      expect(mails.length).toBeGreaterThanOrEqual(n);
      return mails;
    });
  const signIn = async (email: string) => {
    const res = await app.request('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; refreshToken: string };
  };
  const scoped = async (email: string, organizationId: string) => {
    const session = await signIn(email);
    return eventually(async () => {
      const res = await app.request('POST', '/v1/sessions/organization', { token: session.accessToken, body: { organizationId } });
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    });
  };
  /** confirms the address from the verification mail the SMTP server received */
  const verify = async (email: string) => {
    const mail = await eventually(async () => {
      const m = smtp.mailsTo(email).find((x) => x.subject === 'Confirm your email address');
      expect(m).toBeDefined();
      return m!;
    });
    expect((await app.request('POST', '/v1/email-verifications', { body: { token: mail.token } })).status).toBe(200);
  };
  const invitationIdOf = (mail: ReceivedMail) => /\/invitations\/(inv-[\w-]+)\?/.exec(mail.link)![1];

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    const smtpUrl = await smtp.start(Number(process.env.SMTP_TEST_PORT ?? 0));
    app = await startApp({ SMTP_URL: smtpUrl, MAIL_RETRY_BASE_MS: '20', INVITATION_RESEND_MAX: '2' });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
  });

  it('the first Admin of a provisioned organization signs up from the mailed link (verified by possession) and accepts', async () => {
    const org = await app.request('POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name: 'LinkCo', region: 'us', admin: { email: 'ceo@linkco.example' } } });
    expect(org.status).toBe(201);
    orgId = org.body.id;
    const [mail] = await mailsTo('ceo@linkco.example', 1);
    expect(invitationIdOf(mail)).toBe(org.body.admin.invitationId);

    // someone without the mail cannot take the invitation: a forged token is refused
    const forged = mail.token.slice(0, -4) + (mail.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const attacker = await app.request('POST', '/v1/users', { body: { email: 'ceo@linkco.example', password: PASSWORD, displayName: 'X', invitationToken: forged } });
    expect(attacker.status).toBe(400);
    expect(attacker.body.code).toBe('invitation-link-invalid');

    const signUp = await app.request('POST', '/v1/users', { body: { email: 'ceo@linkco.example', password: PASSWORD, displayName: 'CEO', invitationToken: mail.token } });
    expect(signUp.status).toBe(201);
    expect(signUp.body.emailVerified).toBe(true);
    const session = await signIn('ceo@linkco.example');
    const accepted = await app.request('POST', `/v1/invitations/${org.body.admin.invitationId}/accept`, { token: session.accessToken });
    expect(accepted.status).toBe(200);
    expect(accepted.body.role).toBe('Admin');
    adminToken = await scoped('ceo@linkco.example', orgId);
  });

  it('an invitee with a verified account declines; a declined invitation cannot be accepted', async () => {
    const res = await app.request('POST', '/v1/users', { body: { email: 'dee@example.com', password: PASSWORD, displayName: 'Dee' } });
    expect(res.status).toBe(201);
    await verify('dee@example.com');
    const invite = await app.request('POST', `/v1/organizations/${orgId}/invitations`, { token: adminToken, body: { email: 'dee@example.com', role: 'Developer' } });
    expect(invite.status).toBe(201);
    const mails = await mailsTo('dee@example.com', 2); // verification, then the invitation
    expect(mails.map((m) => m.subject)).toEqual(['Confirm your email address', 'Invitation to LinkCo']);
    const dee = await signIn('dee@example.com');
    // someone else cannot decline it for her
    const other = await app.request('POST', `/v1/invitations/${invite.body.id}/decline`, { token: adminToken });
    expect(other.status).toBe(404);
    const declined = await app.request('POST', `/v1/invitations/${invite.body.id}/decline`, { token: dee.accessToken });
    expect(declined.status).toBe(200);
    expect(declined.body.status).toBe('declined');
    const accept = await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: dee.accessToken });
    expect(accept.status).toBe(409);
    expect(accept.body.code).toBe('invitation-declined');
    await eventually(async () => {
      const mine = await app.request('GET', '/v1/me/invitations', { token: dee.accessToken });
      expect(mine.body.items).toEqual([]);
    });
  });

  it('an unverified account can neither accept nor decline', async () => {
    await app.request('POST', '/v1/users', { body: { email: 'unv@example.com', password: PASSWORD, displayName: 'U' } });
    const invite = await app.request('POST', `/v1/organizations/${orgId}/invitations`, { token: adminToken, body: { email: 'unv@example.com', role: 'Agent' } });
    const unv = await signIn('unv@example.com');
    for (const action of ['accept', 'decline']) {
      const r = await app.request('POST', `/v1/invitations/${invite.body.id}/${action}`, { token: unv.accessToken });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('email-not-verified');
    }
  });

  it('resend mails a new link and the old one stops working; resends are throttled; revoke closes it', async () => {
    const invite = await app.request('POST', `/v1/organizations/${orgId}/invitations`, { token: adminToken, body: { email: 'new@example.com', role: 'Developer' } });
    expect(invite.status).toBe(201);
    const [first] = await mailsTo('new@example.com', 1);
    const resent = await app.request('POST', `/v1/organizations/${orgId}/invitations/${invite.body.id}/resend`, { token: adminToken });
    expect(resent.status).toBe(200);
    expect(resent.body.expiresAt >= invite.body.expiresAt).toBe(true);
    const mails = await mailsTo('new@example.com', 2);
    const second = mails[1];
    expect(second.token).not.toBe(first.token);
    expect(invitationIdOf(second)).toBe(invite.body.id);

    // the second resend passes, the third is throttled (INVITATION_RESEND_MAX=2)
    expect((await app.request('POST', `/v1/organizations/${orgId}/invitations/${invite.body.id}/resend`, { token: adminToken })).status).toBe(200);
    const throttled = await app.request('POST', `/v1/organizations/${orgId}/invitations/${invite.body.id}/resend`, { token: adminToken });
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('invitation-resend-throttled');
    expect(throttled.headers['retry-after']).toBeDefined();
    const third = (await mailsTo('new@example.com', 3))[2];

    const old = await app.request('POST', '/v1/users', { body: { email: 'new@example.com', password: PASSWORD, displayName: 'N', invitationToken: first.token } });
    expect(old.status).toBe(400);
    expect(old.body.code).toBe('invitation-link-invalid');

    // a Developer cannot resend
    const other = await app.request('POST', `/v1/organizations/${orgId}/invitations`, { token: adminToken, body: { email: 'gone@example.com', role: 'Agent' } });
    await mailsTo('gone@example.com', 1);
    expect((await app.request('DELETE', `/v1/organizations/${orgId}/invitations/${other.body.id}`, { token: adminToken })).status).toBe(204);
    const [goneMail] = smtp.mailsTo('gone@example.com');
    await eventually(async () => {
      const r = await app.request('POST', '/v1/users', { body: { email: 'gone@example.com', password: PASSWORD, displayName: 'G', invitationToken: goneMail.token } });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('invitation-link-invalid');
    });
    expect((await app.request('POST', `/v1/organizations/${orgId}/invitations/${other.body.id}/resend`, { token: adminToken })).status).toBe(409);

    // the latest link signs up and joins
    const joined = await app.request('POST', '/v1/users', { body: { email: 'new@example.com', password: PASSWORD, displayName: 'N', invitationToken: third.token } });
    expect(joined.status).toBe(201);
    const session = await signIn('new@example.com');
    expect((await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: session.accessToken })).status).toBe(200);
    const developer = await scoped('new@example.com', orgId);
    const denied = await app.request('POST', `/v1/organizations/${orgId}/invitations/${invite.body.id}/resend`, { token: developer });
    expect(denied.status).toBe(403);
  });

  it('lists every invitation with its state, paginated like members', async () => {
    const all: { id: string; email: string; status: string }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await app.request('GET', `/v1/organizations/${orgId}/invitations${query}`, { token: adminToken });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const byEmail = Object.fromEntries(all.map((i) => [i.email, i.status]));
    expect(byEmail).toEqual({
      'ceo@linkco.example': 'accepted',
      'dee@example.com': 'declined',
      'unv@example.com': 'pending',
      'new@example.com': 'accepted',
      'gone@example.com': 'revoked',
    });
    expect(all.map((i) => i.id)).toEqual([...all.map((i) => i.id)].sort());
    const operator = await app.request('GET', `/v1/organizations/${orgId}/invitations?limit=200`, { token: OPERATOR_TOKEN });
    expect(operator.body.items).toHaveLength(5);
    expect(operator.body.nextCursor).toBeNull();
  });

  it('shows an invitation past its expiry as expired', async () => {
    const expiring = await startApp({ INVITATION_TTL_SECONDS: '1' });
    try {
      const org = await expiring.request('POST', '/v1/organizations', { token: OPERATOR_TOKEN, body: { name: 'Soon', region: 'us', admin: { email: 'late@example.com' } } });
      await new Promise((r) => setTimeout(r, 1100));
      const list = await expiring.request('GET', `/v1/organizations/${org.body.id}/invitations`, { token: OPERATOR_TOKEN });
      expect(list.body.items).toEqual([expect.objectContaining({ email: 'late@example.com', status: 'expired' })]);
    } finally {
      await expiring.close();
    }
  });
});
