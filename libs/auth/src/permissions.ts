import { Role, ROLES } from '@lib/contracts';

/** The one permission matrix. Served at GET /v1/permissions and used by every guard. */
export const PERMISSIONS = [
  'console.access',
  'portals.use',
  'reports.read',
  'apps.read',
  'apps.edit',
  'apps.publish',
  'apps.export',
  'apps.import',
  'resources.read',
  'resources.manage',
  'members.read',
  'members.manage',
  'organization.manage',
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const everyone: Permission[] = ['console.access', 'portals.use', 'reports.read'];
const builders: Permission[] = [
  'apps.read',
  'apps.edit',
  'apps.publish',
  'apps.export',
  'apps.import',
  'resources.read',
  'resources.manage',
  'members.read',
];
const admins: Permission[] = ['members.manage', 'organization.manage', 'audit.read'];

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
