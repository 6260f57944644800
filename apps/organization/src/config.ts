import { baseConfigSchema, loadConfig } from '@lib/platform';
import { z } from 'zod';
import { webhookConfigShape } from './webhooks/webhook.config';

export const organizationConfigSchema = baseConfigSchema.extend({
  /** base64 of 32 bytes wrapping every organization's data key; generated into DATA_DIR/organization/master.key when unset */
  SECRETS_MASTER_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
  ...webhookConfigShape,
  /** resends of one invitation per window (issue 9) */
  INVITATION_RESEND_MAX: z.coerce.number().int().min(1).max(100).default(3),
  INVITATION_RESEND_WINDOW_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(3600),
});
export type OrganizationConfig = ReturnType<typeof loadOrganizationConfig>;
export const loadOrganizationConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(organizationConfigSchema, env);
