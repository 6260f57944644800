import { Role, ROLES } from '@lib/contracts';

/** what every member may do (Agents do only this) */
const EVERYONE = ['console.access', 'portals.use', 'reports.read'] as const;
/** what Developers may do on top: build, integrate external resources and publish */
const BUILDERS = [
  'apps.read',
  'apps.edit',
  'apps.publish',
  'apps.export',
  'apps.import',
  'resources.read',
  'resources.manage',
  'members.read',
] as const;
/** what only Admins may do */
const ADMINS = ['members.manage', 'organization.manage', 'audit.read'] as const;

/** The one permission matrix. Served at GET /v1/permissions and used by every guard. */
export const PERMISSIONS = [...EVERYONE, ...BUILDERS, ...ADMINS] as const;
export type Permission = (typeof PERMISSIONS)[number];

const everyone: readonly Permission[] = EVERYONE;
const builders: readonly Permission[] = BUILDERS;
const admins: readonly Permission[] = ADMINS;

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  Admin: new Set([...everyone, ...builders, ...admins]),
  Developer: new Set([...everyone, ...builders]),
  Agent: new Set(everyone),
});

export function isPermission(value: unknown): value is Permission {
  return PERMISSIONS.includes(value as Permission);
}

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role ? ROLE_PERMISSIONS[role].has(permission) : false;
}

export function permissionMatrix() {
  return {
    roles: [...ROLES],
    permissions: PERMISSIONS.map((permission) => ({
      permission,
      roles: ROLES.filter((role) => ROLE_PERMISSIONS[role].has(permission)),
    })),
  };
}
