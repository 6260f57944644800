import { Region } from '@lib/contracts';

export const appStream = (appId: string) => `app-${appId}`;
export const APP_STREAM_PREFIX = 'app-';

/** a named slot the app needs an org-level resource for, e.g. {slot: "crm", kind: "salesforce"} */
export interface Requirement {
  slot: string;
  kind: string;
}

export interface PlanEntry {
  slot: string;
  kind: string;
  /** the source organization's resource, as a hint (never its id) */
  hint: { name: string; kind: string } | null;
  /** the target organization's resources of that kind, best match first */
  candidates: { resourceId: string; name: string; match: 'same-name' | 'same-kind' }[];
}

export interface ImportOrigin {
  sourceOrganizationId: string;
  sourceOrganizationName: string;
  sourceRegion: Region;
  sourceAppName: string;
  sourceVersion: number;
  exportedAt: string;
  exportedBy: string;
  packageSha256: string;
  crossRegion: boolean;
}

export type AppEvent =
  | {
      type: 'AppCreated';
      data: { appId: string; organizationId: string; name: string; definition: unknown; requirements: Requirement[]; origin: ImportOrigin | null };
    }
  | { type: 'AppUpdated'; data: { appId: string; version: number; name: string; definition: unknown; requirements: Requirement[] } }
  | { type: 'BindingPlanProposed'; data: { appId: string; plan: PlanEntry[] } }
  | { type: 'SlotBound'; data: { appId: string; slot: string; resourceId: string } }
  | {
      type: 'SlotUnbound';
      data: { appId: string; slot: string; resourceId: string; reason: 'resource-disabled' | 'resource-deleted' | 'requirement-changed' };
    }
  | { type: 'AppPublished'; data: { appId: string; version: number } }
  | {
      type: 'AppExported';
      data: { appId: string; exportId: string; version: number; objectKey: string; size: number; sha256: string; fileName: string };
    };
