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
  /**
   * true when the source fields come from a signature verified against a trusted key of `sourceRegion` (then
   * `signerKeyId` names the key); false when the package was unsigned or signed by an unknown key and imported
   * with allowUnsigned=true: the source fields are then only what the manifest claims. Absent on events
   * recorded before packages were signed.
   */
  verified?: boolean;
  signerKeyId?: string | null;
}

/** the content of one version of an app, kept so that any version can be published or rolled back to */
export interface AppVersionContent {
  name: string;
  definition: unknown;
  requirements: Requirement[];
}

/** non-secret per-organization settings of an app (deployment settings), e.g. {"supportEmail": "..."} */
export type AppSettings = Record<string, string | number | boolean | null>;

export type AppEvent =
  | {
      type: 'AppCreated';
      data: {
        appId: string;
        organizationId: string;
        name: string;
        definition: unknown;
        requirements: Requirement[];
        origin: ImportOrigin | null;
        /** the stable key that follows the app through exports and imports (absent on old events: the app id) */
        appKey?: string;
      };
    }
  | {
      type: 'AppUpgraded';
      data: {
        appId: string;
        version: number;
        name: string;
        definition: unknown;
        requirements: Requirement[];
        origin: ImportOrigin;
        addedSlots: string[];
        removedSlots: string[];
      };
    }
  | { type: 'AppRolledBack'; data: { appId: string; version: number; restoredVersion: number; name: string; definition: unknown; requirements: Requirement[] } }
  | { type: 'AppSettingsChanged'; data: { appId: string; settings: AppSettings } }
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
