import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Permission } from './permissions';
import { Principal } from './guards';

/** Nest metadata key of @OrgPermission; its value is the permission string (the gateway maps routes with it) */
import { ORG_PERMISSION_KEY } from './metadata-keys';

export { ORG_PERMISSION_KEY };

/**
 * What a service answers for an organization-scoped request: the organization is served in this region, a
 * user's token is scoped to it, and the user's current role grants the permission (throws otherwise).
 * Each service provides it (token ORGANIZATION_ACCESS) from its own model of the organization.
 */
export interface OrganizationAccess {
  authorize(organizationId: string, principal: Principal, permission: Permission): Promise<unknown>;
}
export const ORGANIZATION_ACCESS = Symbol('ORGANIZATION_ACCESS');

@Injectable()
export class OrgPermissionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ORGANIZATION_ACCESS) private readonly access: OrganizationAccess,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(ORG_PERMISSION_KEY, [context.getHandler(), context.getClass()]);
    if (!permission) return true;
    const request = context.switchToHttp().getRequest<{ params?: Record<string, string>; principal?: Principal }>();
    const organizationId = request.params?.organizationId ?? request.params?.id;
    // the class-level AuthGuard ran first and set the principal; a route without one is a wiring error
    if (!request.principal || organizationId === undefined) throw new Error(`@OrgPermission('${permission}') needs AuthGuard and an :id route`);
    await this.access.authorize(organizationId, request.principal, permission);
    return true;
  }
}

/**
 * An organization-scoped handler in one line: region, token scope and the caller's current role are checked
 * before the handler runs (operators and services pass the role check; @Auth decides who may call at all).
 */
export const OrgPermission = (permission: Permission) => applyDecorators(SetMetadata(ORG_PERMISSION_KEY, permission), UseGuards(OrgPermissionGuard));
