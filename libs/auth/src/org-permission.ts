import { SetMetadata } from '@nestjs/common';
import { Permission } from './permissions';

/** Nest metadata key of the permission an organization-scoped handler needs (read by the gateway's route table) */
export const ORG_PERMISSION_KEY = 'auth:org-permission';

/**
 * The permission a handler under /v1/organizations/:id needs in that organization. The route table that the
 * forward-auth endpoint decides with (route-table.ts) is read from this metadata, so the gateway and the
 * handlers cannot disagree about what a route needs.
 */
export const OrgPermission = (permission: Permission) => SetMetadata(ORG_PERMISSION_KEY, permission);
