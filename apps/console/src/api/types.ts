/**
 * Response shapes of today's API. docs/openapi.json describes parameters and request bodies (they are typed by the
 * generated `openapi.d.ts`) but not response bodies, so the Console states here what it reads from them.
 */
export type Role = 'Admin' | 'Developer' | 'Agent';
export const ROLES: readonly Role[] = ['Admin', 'Developer', 'Agent'];

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: unknown;
  [extension: string]: unknown;
}

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  /** sent by /v1/me; until it is true the person can sign in but not join or work in an organization */
  emailVerified?: boolean;
  /** sent by /v1/me: a second factor (TOTP) is enrolled */
  mfaEnabled?: boolean;
}

export interface Membership {
  id: string;
  name: string;
  region: string | null;
  status: string;
  role: Role;
}

export interface SignInResponse {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: UserView;
  organizations: Membership[];
}

/** the sign-in answer of an account with a second factor: the code must come with `mfaToken` */
export interface MfaStep {
  status: 'mfa-required';
  mfaToken: string;
  expiresIn: number;
}

export interface TokenResponse {
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
  organizationId?: string;
  role?: Role;
}

export interface MeResponse {
  user: UserView;
  organizations: Membership[];
}

export interface MyInvitation {
  invitationId: string;
  organizationId: string;
  organizationName: string;
  region: string | null;
  role: Role;
  expiresAt: string;
}

export interface Organization {
  id: string;
  name: string;
  region: string;
  status: string;
  memberCount: number;
  mfaRequired?: boolean;
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
  joinedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: string;
  expiresAt: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  revision: number;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export type IntegrationKind = 'http-api' | 'salesforce' | 'twilio-account' | 'smtp';
export type ResourceKind = IntegrationKind | 'phone-number';

export interface Integration {
  id: string;
  type: 'integration';
  kind: IntegrationKind;
  name: string;
  status: 'active' | 'disabled';
  config: Record<string, unknown>;
  hasSecret: boolean;
}

export interface PhoneNumber {
  id: string;
  type: 'phone-number';
  kind: 'phone-number';
  name: string;
  status: 'active' | 'disabled';
  number: string;
  provider: 'twilio';
  capabilities: ('sms' | 'voice')[];
}

export type Resource = Integration | PhoneNumber;

export interface Requirement {
  slot: string;
  kind: ResourceKind;
}

export interface PlanEntry {
  slot: string;
  kind: ResourceKind;
  hint: { name: string; kind: string } | null;
  candidates: { resourceId: string; name: string; match: 'same-name' | 'same-kind' }[];
}

export type AppStatus = 'needs-configuration' | 'ready' | 'published';

export interface App {
  id: string;
  organizationId: string;
  name: string;
  version: number;
  status: AppStatus;
  publishedVersion: number | null;
  requirements: Requirement[];
  bindings: Record<string, string>;
  bindingPlan: PlanEntry[] | null;
  origin: { sourceOrganizationName: string; sourceRegion: string; sourceAppName: string; sourceVersion: number; exportedAt: string } | null;
  definition?: unknown;
}

export interface ExportResponse {
  exportId: string;
  appId: string;
  version: number;
  size: number;
  sha256: string;
  download: string;
}

export interface PermissionMatrix {
  roles: Role[];
  permissions: { permission: string; roles: Role[] }[];
}

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';

/** a TOTP enrolment started: shown once, confirmed with a code */
export interface MfaEnrolment {
  secret: string;
  otpauthUri: string;
  digits: number;
  period: number;
  algorithm: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  status: 'active' | 'revoked';
}
