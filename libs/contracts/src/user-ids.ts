import { Region, REGIONS } from './regions';

/**
 * A user id names its home region (`usr-eu-01j…`) when the stack that created it has peer regions, as
 * organization ids name theirs. Ids created before (`usr-01j…`, or by a stack with no peers) name none: they
 * belong to the stack that holds them (docs/regions.md, "Accounts created before").
 */
export const REGIONAL_USER_ID_PATTERN = /^usr-(us|eu|apac)-[0-9a-z]{26}$/;

export function homeRegionOfUser(userId: string): Region | null {
  const match = REGIONAL_USER_ID_PATTERN.exec(userId);
  return match && REGIONS.includes(match[1] as Region) ? (match[1] as Region) : null;
}
