import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * Tokens carried by emailed links. The event log stores only a token's hash; the token itself is an HMAC of
 * the request's id under a key kept outside the log (LINK_SECRET, or a 0600 file under DATA_DIR), so the
 * mailer can rebuild the link from the event alone and a copy of the log cannot.
 */
export class LinkTokens {
  private constructor(private readonly key: Buffer) {}

  static open(secret: string | undefined, file: string): LinkTokens {
    if (secret) return new LinkTokens(Buffer.from(secret, 'utf8'));
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    }
    return new LinkTokens(Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8'));
  }

  private mac(purpose: string, subject: string) {
    return createHmac('sha256', this.key).update(`${purpose}\n${subject}`).digest('base64url');
  }

  /** `ev_<userId>.<mac>`: the user id routes the check, the mac proves the mail was received */
  verification(userId: string, requestId: string) {
    return `ev_${userId}.${this.mac('verify', requestId)}`;
  }

  /**
   * `iv_<invitationId>.<mac>`, bound to the address the invitation was sent to and to its mailing: a resend
   * (`sendId`) derives a new link, and the old one no longer matches the hash identity keeps
   */
  invitation(invitationId: string, email: string, sendId?: string) {
    const subject = sendId ? `${invitationId}\n${email}\n${sendId}` : `${invitationId}\n${email}`;
    return `iv_${invitationId}.${this.mac('invite', subject)}`;
  }

  /** `pr_<userId>.<mac>`: a password reset link for one request */
  passwordReset(userId: string, requestId: string) {
    return `pr_${userId}.${this.mac('reset', requestId)}`;
  }

  /** true when `token` is the (first) invitation link sent to `email`: invitations recorded before link hashes were kept */
  checkInvitation(token: string, invitationId: string, email: string) {
    const expected = Buffer.from(this.invitation(invitationId, email));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** the parts of a verification token, or null when it is not one */
export function parseVerificationToken(token: string): { userId: string; token: string } | null {
  const match = /^ev_(usr-[\w-]{1,64})\.([\w-]{20,100})$/.exec(token);
  return match ? { userId: match[1], token: match[0] } : null;
}

/** the parts of a password reset token, or null when it is not one */
export function parsePasswordResetToken(token: string): { userId: string; token: string } | null {
  const match = /^pr_(usr-[\w-]{1,64})\.([\w-]{20,100})$/.exec(token);
  return match ? { userId: match[1], token: match[0] } : null;
}

/** the invitation id a link token names, or null */
export function invitationIdOf(token: string): string | null {
  const match = /^iv_(inv-[\w-]{1,64})\.[\w-]{20,100}$/.exec(token);
  return match ? match[1] : null;
}
