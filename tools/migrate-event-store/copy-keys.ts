import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { PersonalDataKeyStore } from '@lib/eventstore';

/**
 * The personal-data keys go with the log (docs/personal-data.md): every data key of the SQLite key store next to
 * the events file is copied into the target's key store (a key already there is kept), and the master key file,
 * when the service used one, becomes the target's shared master key. Without them the copied events would
 * read "deleted user" for everyone. A forgotten key is not in the source, so it is not copied either.
 */
export async function copyPersonalDataKeys(
  sourceKeysFile: string,
  sourceMasterFile: string,
  target: PersonalDataKeyStore,
  configuredMasterKey: string | undefined,
): Promise<{ keys: number; master: 'configured' | 'copied' | 'none' }> {
  let keys = 0;
  if (existsSync(sourceKeysFile)) {
    const db = new Database(sourceKeysFile, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT subject, key_id, wrapped FROM personal_data_keys').all() as { subject: string; key_id: string; wrapped: string }[];
      for (const row of rows) {
        await target.getOrCreate(row.subject, { keyId: row.key_id, wrapped: row.wrapped });
        keys += 1;
      }
    } finally {
      db.close();
    }
  }
  if (configuredMasterKey) return { keys, master: 'configured' };
  if (!existsSync(sourceMasterFile) || !target.sharedMasterKey) return { keys, master: 'none' };
  const master = readFileSync(sourceMasterFile, 'utf8').trim();
  const shared = await target.sharedMasterKey(master);
  if (shared !== master) {
    throw new Error(`the target already holds another personal data master key than ${sourceMasterFile}: set PERSONAL_DATA_MASTER_KEY to the file's content instead`);
  }
  return { keys, master: 'copied' };
}
