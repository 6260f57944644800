import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** AES-256-GCM ciphertext; the only form in which a secret is ever stored (events included) */
export interface Sealed {
  iv: string;
  ciphertext: string;
  tag: string;
}

function seal(key: Buffer, plaintext: Buffer): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

function open(key: Buffer, sealed: Sealed): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
}

/**
 * Envelope encryption: each organization has its own data key, stored only wrapped by the master key (in the
 * organization's `OrganizationKeyIssued` event); secrets are sealed with the organization's data key.
 * The master key comes from SECRETS_MASTER_KEY (base64, 32 bytes) or a generated 0600 file in the data dir.
 */
export class SecretBox {
  private constructor(private readonly master: Buffer) {}

  static fromConfig(masterKeyBase64: string | undefined, keyFile: string): SecretBox {
    if (masterKeyBase64) return new SecretBox(decodeKey(masterKeyBase64, 'SECRETS_MASTER_KEY'));
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
      chmodSync(keyFile, 0o600);
    }
    return new SecretBox(decodeKey(readFileSync(keyFile, 'utf8').trim(), keyFile));
  }

  /** a new organization data key, wrapped */
  newWrappedKey(): Sealed {
    return seal(this.master, randomBytes(32));
  }

  sealFor(wrappedKey: Sealed, secret: string): Sealed {
    return seal(open(this.master, wrappedKey), Buffer.from(secret, 'utf8'));
  }

  openFor(wrappedKey: Sealed, sealed: Sealed): string {
    return open(open(this.master, wrappedKey), sealed).toString('utf8');
  }
}

function decodeKey(value: string, source: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`${source}: the master key must be 32 bytes, base64-encoded`);
  return key;
}
