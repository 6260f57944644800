import { client, ok } from './client';
import type { components } from './openapi';
import type {
  ApiKey,
  App,
  AuditEntry,
  ExportResponse,
  Integration,
  Invitation,
  MeResponse,
  Member,
  MyInvitation,
  Organization,
  Page,
  PermissionMatrix,
  PhoneNumber,
  Role,
  SignInResponse,
  MfaStep,
  MfaEnrolment,
  TokenResponse,
} from './types';
import { session } from '../session';
import { ApiError } from './problems';

type Schemas = components['schemas'];
const id = (organizationId: string) => ({ path: { id: organizationId } });

/** Every call the Console makes, typed against docs/openapi.json through the generated `paths`. */
export const api = {
  signUp: (body: Schemas['RegisterUserDto']) => ok<{ id: string }>(client.POST('/v1/users', { body })),
  signIn: (body: Schemas['SignInDto']) => ok<SignInResponse | MfaStep>(client.POST('/v1/sessions', { body })),
  completeMfa: (body: Schemas['CompleteMfaSignInDto']) => ok<SignInResponse>(client.POST('/v1/sessions/mfa', { body })),
  refresh: (refreshToken: string) => ok<TokenResponse>(client.POST('/v1/sessions/refresh', { body: { refreshToken } })),
  select: (organizationId: string) => ok<TokenResponse>(client.POST('/v1/sessions/organization', { body: { organizationId } })),
  signOut: (refreshToken: string) => ok<void>(client.POST('/v1/sessions/sign-out', { body: { refreshToken } })),
  verifyEmail: (token: string) => ok<unknown>(client.POST('/v1/email-verifications', { body: { token } })),
  resendVerification: () => ok<void>(client.POST('/v1/me/email-verification')),
  me: () => ok<MeResponse>(client.GET('/v1/me')),
  myInvitations: () => ok<{ items: MyInvitation[] }>(client.GET('/v1/me/invitations')),
  accept: (invitationId: string) =>
    ok<{ organizationId: string; name: string; region: string; role: Role }>(client.POST('/v1/invitations/{id}/accept', { params: { path: { id: invitationId } } })),
  permissions: () => ok<PermissionMatrix>(client.GET('/v1/permissions')),
  decline: (invitationId: string) => ok<unknown>(client.POST('/v1/invitations/{id}/decline', { params: { path: { id: invitationId } } })),
  requestPasswordReset: (email: string) => ok<unknown>(client.POST('/v1/password-resets', { body: { email } })),
  confirmPasswordReset: (token: string, password: string) => ok<unknown>(client.POST('/v1/password-resets/confirm', { body: { token, password } })),
  changePassword: (body: Schemas['ChangePasswordDto']) => ok<TokenResponse>(client.PUT('/v1/me/password', { body })),
  signOutEverywhere: () => ok<void>(client.POST('/v1/me/sessions/sign-out-everywhere')),
  startMfa: () => ok<MfaEnrolment>(client.POST('/v1/me/mfa/totp')),
  confirmMfa: (code: string) => ok<{ enabled: true; recoveryCodes: string[] }>(client.POST('/v1/me/mfa/totp/confirm', { body: { code } })),
  disableMfa: (body: Schemas['DisableMfaDto']) => ok<void>(client.POST('/v1/me/mfa/disable', { body })),

  organization: (o: string) => ok<Organization>(client.GET('/v1/organizations/{id}', { params: id(o) })),
  rename: (o: string, name: string) => ok<Organization>(client.PATCH('/v1/organizations/{id}', { params: id(o), body: { name } })),
  members: (o: string, cursor: string | undefined, limit: number) =>
    ok<Page<Member>>(client.GET('/v1/organizations/{id}/members', { params: { path: { id: o }, query: { cursor, limit } } })),
  changeRole: (o: string, userId: string, role: Role) =>
    ok<Member>(client.PUT('/v1/organizations/{id}/members/{userId}', { params: { path: { id: o, userId } }, body: { role } })),
  removeMember: (o: string, userId: string) => ok<void>(client.DELETE('/v1/organizations/{id}/members/{userId}', { params: { path: { id: o, userId } } })),
  invitations: (o: string, cursor: string | undefined, limit: number) =>
    ok<Page<Invitation>>(client.GET('/v1/organizations/{id}/invitations', { params: { path: { id: o }, query: { cursor, limit } } })),
  resendInvitation: (o: string, invitationId: string) =>
    ok<unknown>(client.POST('/v1/organizations/{id}/invitations/{invitationId}/resend', { params: { path: { id: o, invitationId } } })),
  setMfaRequirement: (o: string, required: boolean) => ok<unknown>(client.PUT('/v1/organizations/{id}/mfa-requirement', { params: id(o), body: { required } })),
  apiKeys: (o: string) => ok<{ items: ApiKey[] }>(client.GET('/v1/organizations/{id}/api-keys', { params: id(o) })),
  createApiKey: (o: string, body: Schemas['CreateApiKeyDto']) => ok<ApiKey & { key: string }>(client.POST('/v1/organizations/{id}/api-keys', { params: id(o), body })),
  revokeApiKey: (o: string, keyId: string) => ok<unknown>(client.DELETE('/v1/organizations/{id}/api-keys/{keyId}', { params: { path: { id: o, keyId } } })),
  invite: (o: string, body: Schemas['InviteMemberDto']) => ok<Invitation>(client.POST('/v1/organizations/{id}/invitations', { params: id(o), body })),
  revokeInvitation: (o: string, invitationId: string) =>
    ok<void>(client.DELETE('/v1/organizations/{id}/invitations/{invitationId}', { params: { path: { id: o, invitationId } } })),
  audit: (o: string, cursor: string | undefined, limit: number) =>
    ok<Page<AuditEntry>>(client.GET('/v1/organizations/{id}/audit', { params: { path: { id: o }, query: { cursor, limit } } })),

  integrations: (o: string) => ok<{ items: Integration[] }>(client.GET('/v1/organizations/{id}/{collection}', { params: { path: { id: o, collection: 'integrations' } } })),
  phoneNumbers: (o: string) => ok<{ items: PhoneNumber[] }>(client.GET('/v1/organizations/{id}/{collection}', { params: { path: { id: o, collection: 'phone-numbers' } } })),
  createIntegration: (o: string, body: Schemas['CreateIntegrationDto']) => ok<Integration>(client.POST('/v1/organizations/{id}/integrations', { params: id(o), body })),
  updateIntegration: (o: string, resourceId: string, body: Schemas['UpdateIntegrationDto']) =>
    ok<Integration>(client.PATCH('/v1/organizations/{id}/integrations/{resourceId}', { params: { path: { id: o, resourceId } }, body })),
  createPhoneNumber: (o: string, body: Schemas['CreatePhoneNumberDto']) => ok<PhoneNumber>(client.POST('/v1/organizations/{id}/phone-numbers', { params: id(o), body })),
  updatePhoneNumber: (o: string, resourceId: string, body: Schemas['UpdatePhoneNumberDto']) =>
    ok<PhoneNumber>(client.PATCH('/v1/organizations/{id}/phone-numbers/{resourceId}', { params: { path: { id: o, resourceId } }, body })),
  setResourceEnabled: (o: string, collection: 'integrations' | 'phone-numbers', resourceId: string, enabled: boolean) =>
    enabled
      ? ok<unknown>(client.POST('/v1/organizations/{id}/{collection}/{resourceId}/enable', { params: { path: { id: o, collection, resourceId } } }))
      : ok<unknown>(client.POST('/v1/organizations/{id}/{collection}/{resourceId}/disable', { params: { path: { id: o, collection, resourceId } } })),
  deleteResource: (o: string, collection: 'integrations' | 'phone-numbers', resourceId: string) =>
    ok<void>(client.DELETE('/v1/organizations/{id}/{collection}/{resourceId}', { params: { path: { id: o, collection, resourceId } } })),

  apps: (o: string) => ok<{ items: App[] }>(client.GET('/v1/organizations/{id}/apps', { params: id(o) })),
  app: (o: string, appId: string) => ok<App>(client.GET('/v1/organizations/{id}/apps/{appId}', { params: { path: { id: o, appId } } })),
  createApp: (o: string, body: Schemas['CreateAppDto']) => ok<App>(client.POST('/v1/organizations/{id}/apps', { params: id(o), body })),
  bind: (o: string, appId: string, slot: string, resourceId: string) =>
    ok<App>(client.PUT('/v1/organizations/{id}/apps/{appId}/bindings/{slot}', { params: { path: { id: o, appId, slot } }, body: { resourceId } })),
  useSuggestions: (o: string, appId: string) =>
    ok<App>(client.PUT('/v1/organizations/{id}/apps/{appId}/bindings', { params: { path: { id: o, appId } }, body: { useSuggestions: true } })),
  publish: (o: string, appId: string) => ok<App>(client.POST('/v1/organizations/{id}/apps/{appId}/publish', { params: { path: { id: o, appId } }, body: {} })),
  exportApp: (o: string, appId: string) => ok<ExportResponse>(client.POST('/v1/organizations/{id}/apps/{appId}/exports', { params: { path: { id: o, appId } } })),
  download: async (o: string, appId: string, exportId: string): Promise<{ blob: Blob; fileName: string }> => {
    const { response } = await client.GET('/v1/organizations/{id}/apps/{appId}/exports/{exportId}/download', {
      params: { path: { id: o, appId, exportId } },
      parseAs: 'stream',
    });
    if (!response.ok) throw new ApiError({ status: response.status, ...((await response.json().catch(() => ({}))) as object) });
    const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `${appId}.zip`;
    return { blob: await response.blob(), fileName };
  },
  importApp: (o: string, file: Blob, acknowledgeCrossRegion: boolean) =>
    ok<App>(
      client.POST('/v1/organizations/{id}/apps/imports', {
        params: { path: { id: o }, query: acknowledgeCrossRegion ? { acknowledgeCrossRegion: true } : {} },
        body: file as unknown as string, // the document types a binary body as a string; the browser sends the Blob as is
        bodySerializer: (body: unknown) => body as Blob,
        headers: { 'content-type': 'application/zip' },
      }),
    ),
};

session.connect(api.refresh, api.select);
