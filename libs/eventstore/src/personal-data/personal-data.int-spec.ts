import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../sqlite/sqlite.event-store';
import { eventStoreContract } from '../testing/event-store.contract';
import { SqlitePersonalDataKeyStore } from './key-store';
import { keyStoreContract } from './key-store.contract';
import { DELETED_USER, isSealed, PersonalDataVault } from './personal-data-vault';
import { PersonalDataEventStore, PersonalDataPolicy } from './personal-data.event-store';

const dir = mkdtempSync(join(tmpdir(), 'personal-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const policy: PersonalDataPolicy = {
  events: {
    UserRegistered: { email: (d) => `user:${String(d.userId)}`, displayName: (d) => `user:${String(d.userId)}` },
    InvitationCreated: { email: (d) => `email:${String(d.email)}` },
  },
  pseudonymousStreams: ['email-'],
};

function open(name = `s-${n++}`) {
  const eventsFile = join(dir, `${name}.events.sqlite`);
  const keysFile = join(dir, `${name}.keys.sqlite`);
  const inner = new SqliteEventStore({ filename: eventsFile });
  const vault = new PersonalDataVault(randomBytes(32), new SqlitePersonalDataKeyStore(keysFile));
  return { store: new PersonalDataEventStore(inner, vault, policy), inner, vault, eventsFile, keysFile };
}

/** every byte of the database files (main file and WAL) as text, what `grep` over the files sees */
const rawBytes = (prefix: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');

keyStoreContract('sqlite', async () => new SqlitePersonalDataKeyStore(join(dir, `contract-${n++}.sqlite`)));

// the decorator is an event store like any other: the shared contract holds through it
eventStoreContract('sqlite behind personal-data sealing', async () => open().store);

describe('personal data sealing (crypto-shredding)', () => {
  const ada = { userId: 'usr-ada', email: 'ada.lovelace@example.com', displayName: 'Ada Lovelace', passwordHash: 'h' };
  const bob = { userId: 'usr-bob', email: 'bob.builder@example.com', displayName: 'Bob Builder', passwordHash: 'h' };

  it('stores only ciphertext for personal fields and reads them back plain', async () => {
    const { store, inner } = open('sealed');
    await store.append('user-usr-ada', [{ type: 'UserRegistered', data: ada }]);
    const [raw] = await inner.readStream('user-usr-ada');
    const data = raw.data as Record<string, unknown>;
    expect(isSealed(data.email)).toBe(true);
    expect(isSealed(data.displayName)).toBe(true);
    expect(data.userId).toBe('usr-ada'); // ids stay readable
    expect((await store.readStream('user-usr-ada'))[0].data).toEqual(ada);
    expect((await store.readAll())[0].data).toEqual(ada);
    await store.close();
    expect(rawBytes('sealed.events')).not.toContain('ada.lovelace@example.com');
    expect(rawBytes('sealed.events')).not.toContain('Ada Lovelace');
  });

  it('forgetting a subject makes its data read "deleted user" in every past event, and no one else\'s', async () => {
    const { store, vault } = open('forget');
    await store.append('user-usr-ada', [{ type: 'UserRegistered', data: ada }]);
    await store.append('user-usr-bob', [{ type: 'UserRegistered', data: bob }]);
    await store.append('org-1', [{ type: 'InvitationCreated', data: { invitationId: 'inv-1', email: ada.email } }]);
    expect(await vault.forget(['user:usr-ada', `email:${ada.email}`])).toBe(2);
    expect((await store.readStream('user-usr-ada'))[0].data).toEqual({ ...ada, email: DELETED_USER, displayName: DELETED_USER });
    expect((await store.readStream('org-1'))[0].data).toEqual({ invitationId: 'inv-1', email: DELETED_USER });
    expect((await store.readStream('user-usr-bob'))[0].data).toEqual(bob);
    // a subscription replaying the log (a projection rebuild) sees the same
    const seen: unknown[] = [];
    const sub = store.subscribeToAll({ handler: (events) => void seen.push(...events.map((e) => e.data)) });
    await new Promise((r) => setTimeout(r, 200));
    await sub.stop();
    expect(seen).toEqual([{ ...ada, email: DELETED_USER, displayName: DELETED_USER }, bob, { invitationId: 'inv-1', email: DELETED_USER }]);
    await store.close();
    // the key file keeps no copy of the forgotten key, the event file no plain value
    expect(rawBytes('forget.events')).not.toContain(ada.email);
  });

  it('loads events written before sealing (plain text) as they are', async () => {
    const { store, inner } = open('legacy');
    await inner.append('user-usr-old', [{ type: 'UserRegistered', data: { ...ada, userId: 'usr-old' } }]);
    expect((await store.readStream('user-usr-old'))[0].data).toEqual({ ...ada, userId: 'usr-old' });
    await store.close();
  });

  it('names new streams keyed by an email with a pseudonym; a stream from before sealing keeps its name', async () => {
    const { store, inner } = open('names');
    await inner.append('email-old@example.com', [{ type: 'EmailReserved', data: { userId: 'usr-old' } }]);
    await store.append('email-old@example.com', [{ type: 'EmailReserved', data: { userId: 'usr-new' } }], { expectedRevision: 0 });
    expect((await inner.readStream('email-old@example.com')).length).toBe(2);
    await store.append('email-new@example.com', [{ type: 'EmailReserved', data: { userId: 'usr-1' } }], { expectedRevision: 'no_stream' });
    expect(await inner.streamRevision('email-new@example.com')).toBeNull();
    const [read] = await store.readStream('email-new@example.com');
    expect(read.streamName).toBe('email-new@example.com');
    expect(read.data).toEqual({ userId: 'usr-1' });
    expect(await store.streamRevision('email-new@example.com')).toBe(0);
    const all = await inner.readAll();
    expect(all.map((e) => e.streamName).some((s) => s.startsWith('email-~'))).toBe(true);
    await store.close();
    expect(rawBytes('names.events')).not.toContain('new@example.com');
  });

  it('one master key opens what it sealed after a restart; another master key cannot', async () => {
    const master = randomBytes(32);
    const keysFile = join(dir, 'restart.keys.sqlite');
    const events = join(dir, 'restart.events.sqlite');
    const first = new PersonalDataEventStore(new SqliteEventStore({ filename: events }), new PersonalDataVault(master, new SqlitePersonalDataKeyStore(keysFile)), policy);
    await first.append('user-usr-ada', [{ type: 'UserRegistered', data: ada }]);
    await first.close();
    const again = new PersonalDataEventStore(new SqliteEventStore({ filename: events }), new PersonalDataVault(master, new SqlitePersonalDataKeyStore(keysFile)), policy);
    expect((await again.readStream('user-usr-ada'))[0].data).toEqual(ada);
    await again.close();
    const wrong = new PersonalDataEventStore(new SqliteEventStore({ filename: events }), new PersonalDataVault(randomBytes(32), new SqlitePersonalDataKeyStore(keysFile)), policy);
    await expect(wrong.readStream('user-usr-ada')).rejects.toThrow();
    await wrong.close();
  });
});
