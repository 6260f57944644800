import { baseConfigSchema, loadConfig } from '@lib/platform';
import { z } from 'zod';

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
});
export type PackagingConfig = ReturnType<typeof loadPackagingConfig>;
export const loadPackagingConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(packagingConfigSchema, env);
