import type { KnownResource } from '../directory/org-directory.decider';
import { AppSettings, ImportOrigin, PlanEntry, Requirement } from './app.events';

/** what an import or upgrade applies in the same append, from a deployment settings document */
export interface ImportSettings {
  /** slot -> resource id, already resolved from names by the service */
  bindings: Record<string, string>;
  settings?: AppSettings;
  publish: boolean;
  /** what the service knows of the organization's resources now */
  resources: Map<string, KnownResource>;
}

/** what a package brings: the content of the new version, where it came from and how its slots bind */
export interface PackageContent {
  appKey: string;
  name: string;
  definition: unknown;
  requirements: Requirement[];
  origin: ImportOrigin;
  plan: PlanEntry[];
  apply?: ImportSettings;
}

/** an app's versions: creating or importing it, editing, upgrading from a package, rolling back */
export type AppVersionCommand =
  | { type: 'CreateApp'; appId: string; organizationId: string; name: string; definition: unknown; requirements: Requirement[] }
  | ({ type: 'ImportApp'; appId: string; organizationId: string } & PackageContent)
  | ({ type: 'UpgradeApp' } & PackageContent)
  | { type: 'RollBackApp'; toVersion: number }
  | { type: 'UpdateApp'; name?: string; definition?: unknown; requirements?: Requirement[] };

/** what it runs on and where it goes: slot bindings, publishing, exports */
export type AppDeliveryCommand =
  /** `resources` is what the service knows of the organization's resources now */
  | { type: 'BindSlots'; bindings: Record<string, string>; resources: Map<string, KnownResource> }
  | { type: 'ReleaseResource'; resourceId: string; reason: 'resource-disabled' | 'resource-deleted' }
  /** `version` defaults to the current one */
  | { type: 'PublishApp'; resources: Map<string, KnownResource>; version?: number }
  | {
      type: 'RecordExport';
      exportId: string;
      objectKey: string;
      size: number;
      sha256: string;
      fileName: string;
    };

export type AppCommand = AppVersionCommand | AppDeliveryCommand;

export const APP_VERSION_COMMAND_TYPES = ['CreateApp', 'ImportApp', 'UpgradeApp', 'RollBackApp', 'UpdateApp'] as const;
export const APP_DELIVERY_COMMAND_TYPES = ['BindSlots', 'ReleaseResource', 'PublishApp', 'RecordExport'] as const;

/** compile-time: each array names exactly its group's command types */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _groups: [
  Same<(typeof APP_VERSION_COMMAND_TYPES)[number], AppVersionCommand['type']>,
  Same<(typeof APP_DELIVERY_COMMAND_TYPES)[number], AppDeliveryCommand['type']>,
] = [true, true];
void _groups;

export const isAppVersionCommand = (command: AppCommand): command is AppVersionCommand =>
  (APP_VERSION_COMMAND_TYPES as readonly string[]).includes(command.type);
export const isAppDeliveryCommand = (command: AppCommand): command is AppDeliveryCommand =>
  (APP_DELIVERY_COMMAND_TYPES as readonly string[]).includes(command.type);
