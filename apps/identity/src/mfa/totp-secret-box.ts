import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** AES-256-GCM ciphertext: the only form in which a TOTP secret is stored (events included) */
export interface SealedSecret {
  iv: string;
  ciphertext: string;
  tag: string;
}

/**
 * Seals TOTP secrets with identity's MFA key, as organization seals resource secrets with its master key. The key
 * comes from MFA_MASTER_KEY (base64, 32 bytes) or a generated 0600 file under the data dir; it never enters the
 * event log, so a copy of the log alone does not reveal anyone's second factor.
 */
export class TotpSecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromConfig(keyBase64: string | undefined, keyFile: string): TotpSecretBox {
    if (keyBase64) return new TotpSecretBox(decodeKey(keyBase64, 'MFA_MASTER_KEY'));
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      chmodSync(keyFile, 0o600);
    }
    return new TotpSecretBox(decodeKey(readFileSync(keyFile, 'utf8').trim(), keyFile));
  }

  seal(secret: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  open(sealed: SealedSecret): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  }
}

function decodeKey(value: string, source: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`${source}: the MFA key must be 32 bytes, base64-encoded`);
  return key;
}
