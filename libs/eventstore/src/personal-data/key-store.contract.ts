import { randomBytes } from 'node:crypto';
import { PersonalDataKeyStore } from './key-store';

/** what every personal-data key store adapter must do (SQLite in the integration tier, PostgreSQL in e2e) */
export function keyStoreContract(name: string, create: () => Promise<PersonalDataKeyStore>) {
  describe(`personal data key store contract: ${name}`, () => {
    let keys: PersonalDataKeyStore;
    beforeEach(async () => {
      keys = await create();
    });
    afterEach(() => keys.close());

    const candidate = () => ({ keyId: randomBytes(9).toString('base64url'), wrapped: randomBytes(20).toString('base64url') });

    it('creates a subject key once: the first writer wins, later candidates get it back', async () => {
      const first = candidate();
      expect(await keys.getOrCreate('subject-a', first)).toEqual(first);
      expect(await keys.getOrCreate('subject-a', candidate())).toEqual(first);
      expect(await keys.get(first.keyId)).toEqual(first);
    });

    it('two racing creators end with the same key', async () => {
      const [a, b] = await Promise.all([keys.getOrCreate('subject-r', candidate()), keys.getOrCreate('subject-r', candidate())]);
      expect(a).toEqual(b);
    });

    it('forgets only the named subjects, for good', async () => {
      const a = await keys.getOrCreate('subject-x', candidate());
      const b = await keys.getOrCreate('subject-y', candidate());
      expect(await keys.forget(['subject-x', 'subject-unknown'])).toBe(1);
      expect(await keys.get(a.keyId)).toBeNull();
      expect(await keys.get(b.keyId)).toEqual(b);
      expect(await keys.forget(['subject-x'])).toBe(0);
      // a subject forgotten and written again gets a new key: the old ciphertexts stay unreadable
      const again = await keys.getOrCreate('subject-x', candidate());
      expect(again.keyId).not.toBe(a.keyId);
      expect(await keys.get(a.keyId)).toBeNull();
    });
  });
}
