import { z } from 'zod';
import { DomainError } from '@lib/eventstore';
import type { KnownResource } from '../directory/org-directory.decider';
import { AppSettings, Requirement } from './app.events';

/**
 * The deployment settings document a pipeline sends with an import (header `x-deployment-settings`, JSON or
 * base64 of JSON), documented in docs/deployment-settings.md:
 *
 *   {
 *     "bindings": { "<slot>": { "name": "<resource name>" } | { "resourceId": "<resource id>" } },
 *     "settings": { "<key>": string | number | boolean | null }      non-secret, per organization
 *   }
 *
 * Names are matched case-insensitively among the organization's resources of the slot's kind.
 */
export const MAX_SETTINGS_HEADER_BYTES = 12 * 1024;
const SETTING_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** settings are stored in events and shown to every reader of the app: secrets belong in resources */
const SECRET_LOOKING = /(secret|password|passwd|token|credential|private[-_.]?key|api[-_.]?key)/i;

const bindingTarget = z.union([
  z.object({ name: z.string().min(1).max(200) }).strict(),
  z.object({ resourceId: z.string().min(1).max(100) }).strict(),
]);

export const DeploymentSettingsSchema = z
  .object({
    bindings: z.record(z.string().max(64), bindingTarget).optional(),
    settings: z
      .record(z.string(), z.union([z.string().max(2000), z.number().finite(), z.boolean(), z.null()]))
      .optional()
      .superRefine((settings, ctx) => {
        const keys = Object.keys(settings ?? {});
        if (keys.length > 100) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'at most 100 settings' });
        for (const key of keys) {
          if (!SETTING_KEY.test(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'keys are a letter then letters, digits, _ . - (at most 64)' });
          else if (SECRET_LOOKING.test(key)) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'settings are not secret; put secrets in an integration of the organization' });
          }
        }
      }),
  })
  .strict();
export type DeploymentSettings = z.infer<typeof DeploymentSettingsSchema>;

const invalid = (problems: string[]) =>
  new DomainError('unprocessable', `the deployment settings are invalid: ${problems.join('; ')}`, 'settings-invalid', { problems });

/** the header's value as a settings document, or a 422 listing why not */
export function parseDeploymentSettings(header: string): DeploymentSettings {
  if (header.length > MAX_SETTINGS_HEADER_BYTES) throw invalid([`the header is longer than ${MAX_SETTINGS_HEADER_BYTES} bytes`]);
  const text = header.trimStart().startsWith('{') ? header : Buffer.from(header, 'base64').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(['not JSON (send the document as JSON, or base64 of JSON)']);
  }
  const parsed = DeploymentSettingsSchema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error.issues.slice(0, 50).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return parsed.data;
}

export interface BindingProblem {
  slot: string;
  kind: string | null;
  problem: 'unknown-slot' | 'no-such-resource' | 'ambiguous-name' | 'kind-mismatch' | 'resource-disabled';
  detail: string;
}

/**
 * Resolves the document's bindings against the organization's resources now: slot -> resource id, or every
 * problem (so a pipeline sees all of them in one run).
 */
export function resolveSettingsBindings(
  settings: DeploymentSettings,
  requirements: Requirement[],
  resources: Map<string, KnownResource>,
): { bindings: Record<string, string>; settings?: AppSettings } {
  const problems: BindingProblem[] = [];
  const bindings: Record<string, string> = {};
  for (const [slot, target] of Object.entries(settings.bindings ?? {})) {
    const requirement = requirements.find((r) => r.slot === slot);
    if (!requirement) {
      problems.push({ slot, kind: null, problem: 'unknown-slot', detail: `the package has no slot "${slot}"` });
      continue;
    }
    const { kind } = requirement;
    let resource: KnownResource | undefined;
    if ('resourceId' in target) {
      resource = resources.get(target.resourceId);
      if (!resource) {
        problems.push({ slot, kind, problem: 'no-such-resource', detail: `no resource ${JSON.stringify(target.resourceId)} in this organization` });
        continue;
      }
    } else {
      const named = [...resources.values()].filter((r) => r.kind === kind && r.name.toLowerCase() === target.name.toLowerCase());
      if (named.length === 0) {
        problems.push({ slot, kind, problem: 'no-such-resource', detail: `no ${kind} named ${JSON.stringify(target.name)} in this organization` });
        continue;
      }
      if (named.length > 1) {
        problems.push({ slot, kind, problem: 'ambiguous-name', detail: `${named.length} resources of kind ${kind} are named ${JSON.stringify(target.name)}: bind by resourceId` });
        continue;
      }
      resource = named[0];
    }
    if (resource.kind !== kind) problems.push({ slot, kind, problem: 'kind-mismatch', detail: `slot "${slot}" needs a ${kind}, not a ${resource.kind}` });
    else if (resource.status !== 'active') problems.push({ slot, kind, problem: 'resource-disabled', detail: `resource "${resource.name}" is disabled` });
    else bindings[slot] = resource.resourceId;
  }
  if (problems.length > 0) {
    throw new DomainError('unprocessable', `the deployment settings cannot be applied: ${problems.map((p) => `${p.slot}: ${p.detail}`).join('; ')}`, 'settings-unbindable', {
      problems,
    });
  }
  return { bindings, ...(settings.settings !== undefined ? { settings: settings.settings } : {}) };
}
