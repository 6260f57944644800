/**
 * orgctl's app commands, for deployment pipelines: export a package from one organization, import it into
 * another with a deployment settings document (bound, configured and published in one call), publish a
 * chosen version. They act as a member of the organization: the token is an organization-scoped access token
 * of a Developer or Admin (`--token`, `--token-file`, or env ORGCTL_TOKEN), never the operator token.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiClient } from './api-client';

export interface AppCommandIo {
  stdout: { write(text: string): unknown };
  cwd: string;
}

export interface AppView {
  id: string;
  appKey: string;
  name: string;
  version: number;
  status: string;
  publishedVersion: number | null;
  bindings: Record<string, string>;
  origin?: { verified?: boolean; sourceOrganizationId?: string; sourceRegion?: string } | null;
  upgrade?: { fromVersion: number; addedSlots: string[]; removedSlots: string[]; unboundSlots: string[] };
}

const appsPath = (org: string) => `/v1/organizations/${encodeURIComponent(org)}/apps`;

export function describeApp(app: AppView): string {
  const lines = [
    `app:       ${app.id} "${app.name}" (key ${app.appKey})`,
    `version:   ${app.version}${app.publishedVersion !== null ? `, published ${app.publishedVersion}` : ''}`,
    `status:    ${app.status}`,
    `bindings:  ${Object.entries(app.bindings).map(([slot, id]) => `${slot}=${id}`).join(' ') || '(none)'}`,
  ];
  if (app.origin) lines.push(`origin:    ${app.origin.sourceOrganizationId} (${app.origin.sourceRegion}), ${app.origin.verified ? 'verified signature' : 'UNVERIFIED origin'}`);
  if (app.upgrade) {
    const u = app.upgrade;
    lines.push(`upgraded:  from version ${u.fromVersion}; added slots: ${u.addedSlots.join(', ') || '-'}; removed: ${u.removedSlots.join(', ') || '-'}; unbound: ${u.unboundSlots.join(', ') || '-'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** exports the app and writes the package to `out` (a temporary name, renamed when complete) */
export async function exportApp(api: ApiClient, io: AppCommandIo, org: string, appId: string, out: string) {
  const exported = await api.post<{ exportId: string; version: number; size: number; sha256: string; download: string }>(
    `${appsPath(org)}/${encodeURIComponent(appId)}/exports`,
  );
  const bytes = await api.download(exported.download);
  const file = resolve(io.cwd, out);
  const partial = `${file}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return { ...exported, file };
}

export interface ImportFlags {
  packageFile: string;
  settingsFile?: string;
  upgrade: boolean;
  publish: boolean;
  acknowledgeCrossRegion: boolean;
  allowUnsigned: boolean;
}

/** uploads the package with the settings document (sent as base64 of its JSON in x-deployment-settings) */
export async function importApp(api: ApiClient, io: AppCommandIo, org: string, flags: ImportFlags): Promise<AppView> {
  const zip = readFileSync(resolve(io.cwd, flags.packageFile));
  const headers: Record<string, string> = { 'content-type': 'application/zip' };
  if (flags.settingsFile) {
    const text = readFileSync(resolve(io.cwd, flags.settingsFile), 'utf8');
    try {
      JSON.parse(text);
    } catch (error) {
      throw new Error(`--settings ${flags.settingsFile} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    headers['x-deployment-settings'] = Buffer.from(text, 'utf8').toString('base64');
  }
  const query = new URLSearchParams();
  if (flags.upgrade) query.set('mode', 'upgrade');
  if (flags.publish) query.set('publish', 'true');
  if (flags.acknowledgeCrossRegion) query.set('acknowledgeCrossRegion', 'true');
  if (flags.allowUnsigned) query.set('allowUnsigned', 'true');
  const qs = query.toString();
  return api.upload<AppView>(`${appsPath(org)}/imports${qs ? `?${qs}` : ''}`, zip, headers);
}

export function publishApp(api: ApiClient, org: string, appId: string, version?: number): Promise<AppView> {
  return api.post<AppView>(`${appsPath(org)}/${encodeURIComponent(appId)}/publish`, version === undefined ? {} : { version });
}
