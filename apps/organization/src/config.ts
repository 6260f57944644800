import { baseConfigSchema, loadConfig } from '@lib/platform';

export const organizationConfigSchema = baseConfigSchema;
export type OrganizationConfig = ReturnType<typeof loadOrganizationConfig>;
export const loadOrganizationConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(organizationConfigSchema, env);
