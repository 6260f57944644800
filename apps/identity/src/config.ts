import { baseConfigSchema, loadConfig } from '@lib/platform';
import { z } from 'zod';

export const identityConfigSchema = baseConfigSchema.extend({
  /** directory of the token signing keys (JWK files); defaults to <DATA_DIR>/identity/keys */
  SIGNING_KEYS_DIR: z.string().min(1).optional(),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(128).default(12),
  /** the product's address as people reach it: links in mail point here */
  PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  /** smtp://user:pass@host:port or smtps://…; unset, mail is written as .eml files under <DATA_DIR>/identity/outbox */
  SMTP_URL: z.string().regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('Organizations control plane <no-reply@localhost>'),
  /** attempts per mail before it is dead-lettered, and the first retry delay (doubled each time) */
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  MAIL_RETRY_BASE_MS: z.coerce.number().int().min(1).max(600_000).default(1000),
  /** key that derives link tokens (verification, invitations); generated under DATA_DIR when unset */
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** key that seals TOTP secrets (base64, 32 bytes); generated as a 0600 file under DATA_DIR when unset */
  MFA_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  EMAIL_VERIFICATION_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 24 * 3600).default(24 * 3600),
  /** verification mails a user may ask for per window */
  VERIFICATION_RESEND_MAX: z.coerce.number().int().min(1).max(100).default(3),
  /**
   * lifetime of a service credential's access token (POST /v1/oauth/token): the other services verify it
   * with the JWKS alone, so a revoked credential's last token works at most this long
   */
  SERVICE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  VERIFICATION_RESEND_WINDOW_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(15 * 60),
  /** sign-ups (each mails a link) per client address and window */
  SIGNUP_MAX_PER_IP: z.coerce.number().int().min(1).max(100_000).default(30),
  SIGNUP_WINDOW_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(600),
  /** password reset links: how long one works, and how many may be asked for per email (and 10x per address) per window */
  PASSWORD_RESET_TTL_SECONDS: z.coerce.number().int().min(60).max(24 * 3600).default(30 * 60),
  PASSWORD_RESET_MAX: z.coerce.number().int().min(1).max(100).default(3),
  PASSWORD_RESET_WINDOW_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(15 * 60),
});
export type IdentityConfig = ReturnType<typeof loadIdentityConfig>;
export const loadIdentityConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(identityConfigSchema, env);
