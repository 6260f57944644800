import { DomainError } from '@lib/eventstore';
import type { KnownResource } from '../directory/org-directory.decider';
import { parseDeploymentSettings, resolveSettingsBindings } from './deployment-settings';

const resources = new Map<string, KnownResource>([
  ['res-1', { resourceId: 'res-1', type: 'integration', kind: 'salesforce', name: 'CRM', status: 'active' }],
  ['res-2', { resourceId: 'res-2', type: 'integration', kind: 'smtp', name: 'Mail', status: 'active' }],
  ['res-3', { resourceId: 'res-3', type: 'integration', kind: 'smtp', name: 'mail', status: 'active' }],
  ['res-4', { resourceId: 'res-4', type: 'integration', kind: 'http-api', name: 'Old', status: 'disabled' }],
]);
const requirements = [
  { slot: 'crm', kind: 'salesforce' },
  { slot: 'mail', kind: 'smtp' },
  { slot: 'api', kind: 'http-api' },
];
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return { code: (e as DomainError).code, details: (e as DomainError).details };
  }
  throw new Error('expected a refusal');
};

describe('deployment settings', () => {
  it('reads JSON or base64 of JSON', () => {
    const doc = { bindings: { crm: { name: 'crm' } }, settings: { greeting: 'hi', retries: 3 } };
    expect(parseDeploymentSettings(JSON.stringify(doc))).toEqual(doc);
    expect(parseDeploymentSettings(Buffer.from(JSON.stringify(doc)).toString('base64'))).toEqual(doc);
  });

  it('refuses unknown fields, secret-looking settings and garbage, listing each problem', () => {
    const refused = codeOf(() => parseDeploymentSettings(JSON.stringify({ bindings: { crm: { id: 'x' } }, settings: { apiKey: 'k', 'bad key': 1 }, extra: 1 })));
    expect(refused.code).toBe('settings-invalid');
    expect((refused.details?.problems as string[]).length).toBeGreaterThanOrEqual(3);
    expect(codeOf(() => parseDeploymentSettings('%%%')).code).toBe('settings-invalid');
  });

  it('binds by name (case-insensitive, within the slot kind) or by id', () => {
    expect(resolveSettingsBindings({ bindings: { crm: { name: 'crm' } } }, requirements, resources).bindings).toEqual({ crm: 'res-1' });
    expect(resolveSettingsBindings({ bindings: { mail: { resourceId: 'res-3' } } }, requirements, resources).bindings).toEqual({ mail: 'res-3' });
  });

  it('lists every slot that cannot be bound, and binds none', () => {
    const refused = codeOf(() =>
      resolveSettingsBindings(
        { bindings: { crm: { name: 'Nope' }, mail: { name: 'MAIL' }, api: { resourceId: 'res-4' }, ghost: { name: 'x' } } },
        requirements,
        resources,
      ),
    );
    expect(refused.code).toBe('settings-unbindable');
    expect((refused.details?.problems as { slot: string; problem: string }[]).map((p) => [p.slot, p.problem])).toEqual([
      ['crm', 'no-such-resource'],
      ['mail', 'ambiguous-name'],
      ['api', 'resource-disabled'],
      ['ghost', 'unknown-slot'],
    ]);
  });
});
