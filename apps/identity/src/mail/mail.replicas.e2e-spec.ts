/**
 * Two identity replicas on one real PostgreSQL server, each with its own mail dispatcher (the production
 * composer, repositories and SMTP sender) and a real SMTP server: every verification request is mailed exactly
 * once while both run, and once more after the sending replica stops (the other resumes from the shared
 * checkpoint). Needs POSTGRES_URL (scripts/infra/pg-start.sh prints it).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore, PostgresLeases, ReadModelDatabase } from '@lib/eventstore';
import { createMailSender } from '@lib/platform';
import { TestSmtpServer } from '../../../../test/support/smtp';
import { UserRepository } from '../users/user.repository';
import { KnownOrganizationRepository } from '../directory/directory.repositories';
import { VerificationRepository } from '../verification/verification.repository';
import { LinkTokens } from './link-tokens';
import { mailComposer } from './mail.composer';
import { MailDispatcher } from './mail.dispatcher';

const connectionString = process.env.POSTGRES_URL;
if (!connectionString) throw new Error('POSTGRES_URL is not set: start PostgreSQL with scripts/infra/pg-start.sh');
const url: string = connectionString;
jest.setTimeout(60_000);

async function until(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('mail with two identity replicas on PostgreSQL: one mail per event', () => {
  const schema = `mail_test_${randomBytes(5).toString('hex')}`;
  const links = LinkTokens.open('a-link-secret-of-at-least-32-characters!!', '/nonexistent');
  let smtp: TestSmtpServer;
  let smtpUrl: string;
  const replicas: { store: PostgresEventStore; local: ReadModelDatabase; mailer: MailDispatcher }[] = [];

  const replica = () => {
    const store = new PostgresEventStore({ connectionString: url, schema, pollIntervalMs: 100 });
    const local = new ReadModelDatabase(':memory:');
    const mailer = new MailDispatcher({
      store,
      readModels: local,
      sender: createMailSender({ smtpUrl, from: 'test <no-reply@example.test>', outboxDir: '/nonexistent' }),
      compose: mailComposer({
        config: { PUBLIC_URL: 'https://console.example.test' },
        users: new UserRepository(store),
        organizations: new KnownOrganizationRepository(store),
        links,
      }),
      maxAttempts: 3,
      retryBaseMs: 20,
      leadership: new PostgresLeases({ connectionString: url, schema }),
      leaseRetryMs: 100,
    });
    const r = { store, local, mailer };
    replicas.push(r);
    return r;
  };

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    smtpUrl = await smtp.start(Number(process.env.SMTP_TEST_PORT ?? 0));
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.mailer.stop().catch(() => undefined);
      await r.store.close();
      r.local.close();
    }
    await smtp.stop();
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  /** what sign-up appends: the user, then the verification request whose event the mail is composed from */
  const signUps = async (store: PostgresEventStore, from: number, n: number) => {
    const users = new UserRepository(store);
    const verifications = new VerificationRepository(store);
    const at = new Date().toISOString();
    for (let i = from; i < from + n; i++) {
      const userId = `usr-r${i}`;
      await users.handle(userId, { type: 'RegisterUser', userId, email: `r${i}@example.com`, displayName: `R${i}`, passwordHash: 'x' }, { at, actor: userId });
      await verifications.handle(
        userId,
        { type: 'RequestEmailVerification', userId, requestId: `evr-${i}`, tokenHash: 'h', expiresAt: '2030-01-01T00:00:00.000Z' },
        { at, actor: userId },
      );
    }
  };
  const recipients = () => smtp.received.map((m) => m.to);

  it('mails each event once while both run, and once after the sender stops', async () => {
    const a = replica();
    const b = replica();
    a.mailer.start();
    await until(() => a.mailer.isSender, 5000, 'a sends');
    b.mailer.start();
    await signUps(a.store, 0, 10);
    await signUps(b.store, 10, 10);
    await until(() => smtp.received.length >= 20, 15_000, '20 mails');
    await new Promise((r) => setTimeout(r, 500)); // time for a duplicate to show up, if there were one
    expect(b.mailer.isSender).toBe(false);
    expect(recipients()).toHaveLength(20);
    expect(new Set(recipients()).size).toBe(20);

    // the sender stops (a rolling update): b takes the lease and resumes after a's shared checkpoint
    await a.mailer.stop();
    await signUps(b.store, 20, 5);
    await until(() => smtp.received.length >= 25, 15_000, 'b takes over');
    await new Promise((r) => setTimeout(r, 500));
    expect(b.mailer.isSender).toBe(true);
    expect(recipients()).toHaveLength(25);
    expect(new Set(recipients()).size).toBe(25);
    expect(recipients().filter((to) => to === 'r0@example.com')).toHaveLength(1);
  });
});
