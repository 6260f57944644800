import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PersonalDataKeyStore, StoredDataKey } from './key-store';

/** what a personal field reads as once its subject's key is gone */
export const DELETED_USER = 'deleted user';
/** sealed values are strings of this form: `pd1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts) */
const SEALED_PREFIX = 'pd1.';
/** a forgotten key stays forgotten; a key another replica created is cached this long (ms) */
const CACHE_TTL_MS = 30_000;

export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(SEALED_PREFIX);

/**
 * Seals personal data with per-subject data keys (AES-256-GCM), the data keys themselves wrapped with the
 * service's master key and kept in a key store outside the event log. Forgetting a subject deletes its keys:
 * every value sealed for it, in every past event, then reads as "deleted user". Subjects are stored as an
 * HMAC of their name under a key derived from the master key, so the key store never holds an email.
 */
export class PersonalDataVault {
  private derived: Promise<{ wrapKey: Buffer; subjectKey: Buffer }> | null = null;
  private readonly cache = new Map<string, { key: Buffer | null; until: number }>();

  /** `masterKey`: the key itself, or how to get it (a shared store's key, asked once) */
  constructor(
    private readonly masterKey: Buffer | (() => Promise<Buffer>),
    private readonly keys: PersonalDataKeyStore,
    private readonly now: () => number = Date.now,
  ) {
    if (Buffer.isBuffer(masterKey) && masterKey.length !== 32) throw new Error('the personal data master key must be 32 bytes');
  }

  /**
   * The vault of a service: PERSONAL_DATA_MASTER_KEY when set; otherwise a key shared through the key store when
   * it can (PostgreSQL: every replica uses the same), else a generated 0600 file next to the store.
   */
  static forService(configured: string | undefined, file: string, keys: PersonalDataKeyStore): PersonalDataVault {
    if (configured || !keys.sharedMasterKey) return new PersonalDataVault(PersonalDataVault.masterKey(configured, file), keys);
    return new PersonalDataVault(async () => decodeKey(await keys.sharedMasterKey!(randomBytes(32).toString('base64')), 'the shared personal data master key'), keys);
  }

  private derive() {
    this.derived ??= (async () => {
      const master = Buffer.isBuffer(this.masterKey) ? this.masterKey : await this.masterKey();
      return {
        wrapKey: createHmac('sha256', master).update('personal-data:wrap').digest(),
        subjectKey: createHmac('sha256', master).update('personal-data:subject').digest(),
      };
    })().catch((error) => {
      this.derived = null;
      throw error;
    });
    return this.derived;
  }

  /** the master key from PERSONAL_DATA_MASTER_KEY (base64, 32 bytes) or a generated 0600 file */
  static masterKey(base64: string | undefined, file: string): Buffer {
    if (base64) return decodeKey(base64, 'PERSONAL_DATA_MASTER_KEY');
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another replica/process made it first
      }
      chmodSync(file, 0o600);
    }
    return decodeKey(readFileSync(file, 'utf8').trim(), file);
  }

  /** a stable keyed pseudonym (base64url) for a personal value used as a name (a stream name's email) */
  async pseudonym(value: string): Promise<string> {
    const { subjectKey } = await this.derive();
    return createHmac('sha256', subjectKey).update(`name:${value}`).digest('base64url');
  }

  private async subjectId(subject: string) {
    const { subjectKey } = await this.derive();
    return createHmac('sha256', subjectKey).update(`subject:${subject}`).digest('base64url');
  }

  async seal(subject: string, value: string): Promise<string> {
    const { keyId, key } = await this.keyOf(subject);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(keyId));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${keyId}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  /** the plain value, "deleted user" when its key was forgotten; plain (pre-sealing) values pass through */
  async open(value: unknown): Promise<unknown> {
    if (!isSealed(value)) return value;
    const [keyId, iv, ciphertext, tag] = value.slice(SEALED_PREFIX.length).split('.');
    const key = await this.keyById(keyId);
    if (!key) return DELETED_USER;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** deletes the subjects' keys: what was sealed for them is unreadable from now on, everywhere */
  async forget(subjects: string[]): Promise<number> {
    const count = await this.keys.forget(await Promise.all(subjects.map((s) => this.subjectId(s))));
    this.cache.clear();
    return count;
  }

  close() {
    return this.keys.close();
  }

  private async keyOf(subject: string): Promise<{ keyId: string; key: Buffer }> {
    const candidateKey = randomBytes(32);
    const candidate: StoredDataKey = { keyId: randomBytes(12).toString('base64url'), wrapped: '' };
    candidate.wrapped = await this.wrap(candidateKey, candidate.keyId);
    const stored = await this.keys.getOrCreate(await this.subjectId(subject), candidate);
    const key = stored.keyId === candidate.keyId ? candidateKey : await this.unwrap(stored);
    this.cache.set(stored.keyId, { key, until: this.now() + CACHE_TTL_MS });
    return { keyId: stored.keyId, key };
  }

  private async keyById(keyId: string): Promise<Buffer | null> {
    const cached = this.cache.get(keyId);
    if (cached && cached.until > this.now()) return cached.key;
    const stored = await this.keys.get(keyId);
    const key = stored ? await this.unwrap(stored) : null;
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(keyId, { key, until: this.now() + CACHE_TTL_MS });
    return key;
  }

  private async wrap(key: Buffer, keyId: string) {
    const { wrapKey } = await this.derive();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', wrapKey, iv);
    cipher.setAAD(Buffer.from(keyId));
    const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
    return `${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  private async unwrap(stored: StoredDataKey): Promise<Buffer> {
    const { wrapKey } = await this.derive();
    const [iv, ciphertext, tag] = stored.wrapped.split('.');
    const decipher = createDecipheriv('aes-256-gcm', wrapKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(stored.keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  }
}

function decodeKey(value: string, source: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`${source}: the personal data master key must be 32 bytes, base64-encoded`);
  return key;
}
