import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { authenticator } from 'otplib';
import { eventually, OPERATOR_TOKEN, PASSWORD, startApp, TestApp } from './support/harness';
import { Flow } from './support/flow';

jest.setTimeout(120_000);

const codeAt = (secret: string, steps = 0) => authenticator.clone({ epoch: Date.now() + steps * 30_000 }).generate(secret);

/** every SQLite file (main file and write-ahead log) of every service under the data directory, as grep sees it */
function sqliteBytes(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sqliteBytes(path));
    else if (/\.sqlite(-wal|-journal)?$/.test(name)) out.push({ file: path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

/**
 * Deleting one's account (issue 9): refused while the last Admin anywhere (409 naming the organizations), the
 * current password and the TOTP code when enrolled; then sessions end, sign-in is refused, the memberships go,
 * the email can sign up again as a new account, and the email and name are gone from the raw database files of
 * every service (crypto-shredding), also after the read models are rebuilt from the log ("deleted user").
 */
describe('account deletion and crypto-shredding', () => {
  let app: TestApp;
  let flow: Flow;
  let org: string;
  let adminToken: string;
  let devId: string;
  let devSession: { accessToken: string; refreshToken: string };
  let devSecret: string;
  const ADMIN = 'ceo@shredco.example';
  const DEV = 'devin.shredder@shredco.example';
  const DEV_NAME = 'Devin Shredderson';

  beforeAll(async () => {
    app = await startApp();
    flow = new Flow(app);
  });
  afterAll(() => app?.close());

  it('sets the scene: an Admin, a Developer invited by mail who signs up from the link and joins', async () => {
    await flow.user(ADMIN, 'Chief Shredder');
    org = (await flow.organization('ShredCo', ADMIN)).id;
    adminToken = await flow.scoped(ADMIN, org);
    const invite = await app.request('POST', `/v1/organizations/${org}/invitations`, { token: adminToken, body: { email: DEV, role: 'Developer' } });
    expect(invite.status).toBe(201);
    const mail = await app.mailTo(DEV, /Invitation/);
    const signUp = await app.request('POST', '/v1/users', { body: { email: DEV, password: PASSWORD, displayName: DEV_NAME, invitationToken: mail.token } });
    expect(signUp.status).toBe(201);
    devId = signUp.body.id;
    const accepted = await app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: await flow.signIn(DEV) });
    expect(accepted.status).toBe(200);
    await eventually(async () => {
      const members = await app.request('GET', `/v1/organizations/${org}/members`, { token: adminToken });
      expect(members.body.items.map((m: { email: string }) => m.email)).toContain(DEV);
    });
    // sealed at rest from the start: the event logs hold no plain email or name
    const logs = sqliteBytes(app.dataDir).filter((f) => f.file.endsWith('events.sqlite') || f.file.endsWith('events.sqlite-wal'));
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const { file, text } of logs) {
      expect({ file, hasEmail: text.includes(DEV) }).toEqual({ file, hasEmail: false });
      expect({ file, hasName: text.includes(DEV_NAME) }).toEqual({ file, hasName: false });
    }
  });

  it('the last Admin of an organization cannot delete their account: 409 naming it', async () => {
    const token = await flow.signIn(ADMIN);
    const res = await app.request('DELETE', '/v1/me', { token, body: { password: PASSWORD } });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('last-admin');
    expect(res.body.organizations).toEqual([{ id: org, name: 'ShredCo' }]);
    expect(res.body.detail).toContain('ShredCo');
    expect((await app.request('GET', '/v1/me', { token })).status).toBe(200);
  });

  it('needs the current password, and the TOTP code when a second factor is enrolled', async () => {
    devSession = (await app.request('POST', '/v1/sessions', { body: { email: DEV, password: PASSWORD } })).body;
    const token = devSession.accessToken;
    const wrong = await app.request('DELETE', '/v1/me', { token, body: { password: 'not the password at all' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('password-wrong');
    const missing = await app.request('DELETE', '/v1/me', { token, body: {} });
    expect(missing.status).toBe(400);

    const started = await app.request('POST', '/v1/me/mfa/totp', { token });
    const secret = (devSecret = started.body.secret as string);
    expect((await app.request('POST', '/v1/me/mfa/totp/confirm', { token, body: { code: codeAt(secret) } })).status).toBe(200);
    const noCode = await app.request('DELETE', '/v1/me', { token, body: { password: PASSWORD } });
    expect(noCode.status).toBe(403);
    expect(noCode.body.code).toBe('mfa-code-required');
    const badCode = await app.request('DELETE', '/v1/me', { token, body: { password: PASSWORD, code: codeAt(secret) === '000000' ? '111111' : '000000' } });
    expect(badCode.status).toBe(400);
    expect(badCode.body.code).toBe('mfa-code-invalid');
  });

  it('deletes the account: sessions end, sign-in refused, membership removed, audit shows "deleted user"', async () => {
    // signed in with a second factor now
    const signIn = await app.request('POST', '/v1/sessions', { body: { email: DEV, password: PASSWORD } });
    expect(signIn.body.status).toBe('mfa-required');
    // the session from before the enrolment deletes with the password and the next code
    const res = await app.request('DELETE', '/v1/me', { token: devSession.accessToken, body: { password: PASSWORD, code: codeAt(devSecret, 1) } });
    expect(res.body ?? null).toBeNull();
    expect(res.status).toBe(204);

    expect((await app.request('POST', '/v1/sessions', { body: { email: DEV, password: PASSWORD } })).status).toBe(401);
    expect((await app.request('POST', '/v1/sessions/refresh', { body: { refreshToken: devSession.refreshToken } })).status).toBe(401);
    expect((await app.request('GET', '/v1/me', { token: devSession.accessToken })).status).toBe(404);
    await app.identity.relay.flush();
    await eventually(async () => {
      const members = await app.request('GET', `/v1/organizations/${org}/members`, { token: adminToken });
      expect(members.body.items.map((m: { userId: string }) => m.userId)).not.toContain(devId);
    });
    await eventually(async () => {
      const audit = await app.request('GET', `/v1/organizations/${org}/audit?limit=100`, { token: adminToken });
      expect(audit.status).toBe(200);
      const text = JSON.stringify(audit.body);
      expect(text).not.toContain(DEV);
      const removed = audit.body.items.find((i: { action: string; subject: string }) => i.action === 'member.removed' && i.subject === `user:${devId}`);
      expect(removed.details).toMatchObject({ email: 'deleted user', by: 'account-deleted' });
      const invited = audit.body.items.filter((i: { action: string }) => i.action === 'invitation.created');
      expect(invited.map((i: { details: { email: string } }) => i.details.email)).toContain('deleted user');
      // others keep theirs
      const added = audit.body.items.filter((i: { action: string }) => i.action === 'member.added');
      expect(added.map((i: { details: { email: string } }) => i.details.email)).toEqual(expect.arrayContaining([ADMIN, 'deleted user']));
    });
  });

  it('leaves neither the email nor the name in any SQLite file of any service; a rebuild shows "deleted user"', async () => {
    const dir = app.dataDir;
    await app.close({ keepData: true });
    const files = sqliteBytes(dir);
    expect(files.map((f) => f.file).some((f) => f.includes('app-packaging'))).toBe(true);
    for (const { file, text } of files) {
      expect({ file, hasEmail: text.includes(DEV) }).toEqual({ file, hasEmail: false });
      expect({ file, hasName: text.includes(DEV_NAME) }).toEqual({ file, hasName: false });
    }
    // the event logs hold no one's email in plain text (the read models keep the live members' for queries)
    expect(files.filter((f) => /events\.sqlite/.test(f.file)).some((f) => f.text.includes(ADMIN))).toBe(false);

    app = await startApp({}, dir);
    flow = new Flow(app);
    await app.organization.projections!.rebuild();
    adminToken = await flow.scoped(ADMIN, org);
    const audit = await app.request('GET', `/v1/organizations/${org}/audit?limit=100`, { token: adminToken });
    const emails = audit.body.items.map((i: { details: { email?: string } }) => i.details.email).filter(Boolean);
    expect(emails).toContain('deleted user');
    expect(emails).toContain(ADMIN);
    expect(JSON.stringify(audit.body)).not.toContain(DEV);
  });

  it('the email is free again: signing up makes a new account with a new id and no membership', async () => {
    const res = await app.request('POST', '/v1/users', { body: { email: DEV, password: PASSWORD, displayName: 'Someone New' } });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(devId);
    const token = await flow.signIn(DEV);
    const me = await app.request('GET', '/v1/me', { token });
    expect(me.body.user).toMatchObject({ id: res.body.id, email: DEV, displayName: 'Someone New' });
    expect(me.body.organizations).toEqual([]);
    // the old account stays deleted
    expect((await app.request('GET', '/v1/organizations', { token: OPERATOR_TOKEN })).status).toBe(200);
  });
});
