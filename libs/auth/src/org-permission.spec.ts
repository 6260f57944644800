import 'reflect-metadata';
import { ExecutionContext, ForbiddenException } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { OrganizationAccess, OrgPermission, ORG_PERMISSION_KEY, OrgPermissionGuard } from './org-permission';
import { Principal } from './guards';
import { assertRoleGrants, decideAccess } from './policy';

class Routes {
  @OrgPermission('members.manage')
  invite() {}

  open() {}
}

function context(handler: () => void, params: Record<string, string>, principal?: Principal): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ params, principal }) }),
  } as unknown as ExecutionContext;
}

describe('@OrgPermission', () => {
  const user: Principal = { kind: 'user', userId: 'usr-1', email: 'a@example.com', tokenId: 't', organizationId: 'org-us-1' };
  const calls: [string, Principal, string][] = [];
  const access: OrganizationAccess = {
    authorize: async (id, principal, permission) => {
      calls.push([id, principal, permission]);
      if (id === 'org-us-denied') throw new ForbiddenException('no');
    },
  };
  const guard = new OrgPermissionGuard(new Reflector(), access);
  beforeEach(() => (calls.length = 0));

  it('stores the permission string under the exported key and adds its guard', () => {
    expect(Reflect.getMetadata(ORG_PERMISSION_KEY, Routes.prototype.invite)).toBe('members.manage');
    expect(ORG_PERMISSION_KEY).toBe('auth:org-permission');
    expect(Reflect.getMetadata(GUARDS_METADATA, Routes.prototype.invite)).toEqual([OrgPermissionGuard]);
  });

  it('asks the service with the route :id (or :organizationId), the principal and the permission', async () => {
    await expect(guard.canActivate(context(Routes.prototype.invite, { id: 'org-us-1' }, user))).resolves.toBe(true);
    await expect(guard.canActivate(context(Routes.prototype.invite, { organizationId: 'org-us-2' }, user))).resolves.toBe(true);
    expect(calls).toEqual([
      ['org-us-1', user, 'members.manage'],
      ['org-us-2', user, 'members.manage'],
    ]);
  });

  it('refuses with the service\'s error, and lets a route without the decorator through untouched', async () => {
    await expect(guard.canActivate(context(Routes.prototype.invite, { id: 'org-us-denied' }, user))).rejects.toThrow(ForbiddenException);
    await expect(guard.canActivate(context(Routes.prototype.open, {}, undefined))).resolves.toBe(true);
    expect(calls).toHaveLength(1);
  });
});

describe('the authorization policy', () => {
  it('decides from existence, membership, suspension and the current role, in that order', () => {
    expect(decideAccess({ exists: false, suspended: false, role: 'Admin' }, 'members.manage')).toEqual({ allowed: false, role: null, reason: 'unknown-organization' });
    expect(decideAccess({ exists: true, suspended: true, role: null }, 'portals.use')).toEqual({ allowed: false, role: null, reason: 'not-a-member' });
    expect(decideAccess({ exists: true, suspended: true, role: 'Admin' }, 'portals.use')).toEqual({ allowed: false, role: 'Admin', reason: 'organization-suspended' });
    expect(decideAccess({ exists: true, suspended: false, role: 'Agent' }, 'apps.edit')).toEqual({ allowed: false, role: 'Agent', reason: 'permission-denied' });
    expect(decideAccess({ exists: true, suspended: false, role: 'Developer' }, 'apps.edit')).toEqual({ allowed: true, role: 'Developer' });
  });

  it('refuses a non-member and a role without the permission with their problem codes', () => {
    expect(() => assertRoleGrants(null, 'apps.read')).toThrow(expect.objectContaining({ code: 'not-a-member', kind: 'forbidden' }));
    expect(() => assertRoleGrants('Agent', 'apps.read')).toThrow(expect.objectContaining({ code: 'permission-denied' }));
    expect(() => assertRoleGrants('Developer', 'apps.read')).not.toThrow();
  });
});
