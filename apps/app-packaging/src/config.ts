import { baseConfigSchema, loadConfig } from '@lib/platform';
import { z } from 'zod';
import { parseTrustedKeys } from './packages/package-signing';

const trustedKeys = z
  .string()
  .optional()
  .superRefine((value, ctx) => {
    if (value === undefined) return;
    try {
      parseTrustedKeys(value);
    } catch (e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a JWKS whose keys carry a region: ${(e as Error).message}` });
    }
  });

export const packagingConfigSchema = baseConfigSchema.extend({
  /** `filesystem` (under DATA_DIR/app-packaging/objects) or `s3` */
  OBJECT_STORAGE: z.enum(['filesystem', 's3']).default('filesystem'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_ACCESS_KEY: z.string().optional(),
  S3_SECRET_KEY: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().optional(),
  PACKAGE_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(50 * 1024 * 1024),
  APP_DEFINITION_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /**
   * PKCS#8 PEM file of this stack's EC P-256 package signing key. Default: DATA_DIR/app-packaging/package-signing-key.pem,
   * generated on first start (replicas must share one: set this to a mounted secret).
   */
  PACKAGE_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** the package signing keys this stack trusts (JWKS with a `region` per key), inline; this stack's own key is always trusted */
  PACKAGE_TRUSTED_KEYS: trustedKeys,
});
export type PackagingConfig = ReturnType<typeof loadPackagingConfig>;
export const loadPackagingConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(packagingConfigSchema, env);
