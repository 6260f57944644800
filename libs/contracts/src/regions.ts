export const REGIONS = ['us', 'eu', 'apac'] as const;
export type Region = (typeof REGIONS)[number];
export const isRegion = (value: unknown): value is Region => REGIONS.includes(value as Region);

export const ROLES = ['Admin', 'Developer', 'Agent'] as const;
export type Role = (typeof ROLES)[number];

/** organization ids carry their region, so a gateway routes by the id alone: `org-eu-01j…` */
export const ORGANIZATION_ID_PATTERN = /^org-(us|eu|apac)-[0-9a-z]{26}$/;
export function regionOfOrganization(id: string): Region | null {
  const match = ORGANIZATION_ID_PATTERN.exec(id);
  return match ? (match[1] as Region) : null;
}

/** org-level resources: integrations (of a kind) and phone numbers (kind `phone-number`) */
export const RESOURCE_TYPES = ['integration', 'phone-number'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export const INTEGRATION_KINDS = ['http-api', 'salesforce', 'twilio-account', 'smtp'] as const;
export const PHONE_NUMBER_KIND = 'phone-number';
export const RESOURCE_KINDS = [...INTEGRATION_KINDS, PHONE_NUMBER_KIND] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
