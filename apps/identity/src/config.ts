import { baseConfigSchema, loadConfig } from '@lib/platform';
import { z } from 'zod';

export const identityConfigSchema = baseConfigSchema.extend({
  /** directory of the token signing keys (JWK files); defaults to <DATA_DIR>/identity/keys */
  SIGNING_KEYS_DIR: z.string().min(1).optional(),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(128).default(12),
});
export type IdentityConfig = ReturnType<typeof loadIdentityConfig>;
export const loadIdentityConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(identityConfigSchema, env);
