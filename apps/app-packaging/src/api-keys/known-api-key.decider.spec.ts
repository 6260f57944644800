import { KnownApiKeyCommand, knownApiKeyDecider, KnownApiKeyEvent, KnownApiKeyState } from './known-api-key.decider';

const fold = (events: KnownApiKeyEvent[]): KnownApiKeyState => events.reduce(knownApiKeyDecider.evolve, knownApiKeyDecider.initialState());
const key = { keyId: 'key-1', organizationId: 'org-us-1' };
const created: KnownApiKeyEvent = { type: 'ApiKeyRecorded', data: { ...key, name: 'ci', role: 'Developer', secretHash: 'h', sourceRevision: 0 } };
const revoked: KnownApiKeyEvent = { type: 'ApiKeyRevocationRecorded', data: { ...key, sourceRevision: 1 } };
const record: KnownApiKeyCommand = { type: 'RecordApiKey', ...key, name: 'ci', role: 'Developer', secretHash: 'h', sourceRevision: 0 };
const revoke: KnownApiKeyCommand = { type: 'RecordApiKeyRevocation', ...key, sourceRevision: 1 };

describe('known API key decider (app-packaging\'s copy of organization.api-keys.v1)', () => {
  it.each<[string, KnownApiKeyEvent[], KnownApiKeyCommand, KnownApiKeyEvent[]]>([
    ['records a new key', [], record, [created]],
    ['a redelivered creation is a no-op', [created], record, []],
    ['records a revocation', [created], revoke, [revoked]],
    ['a redelivered revocation is a no-op', [created, revoked], revoke, []],
    ['a revocation seen before its creation is kept', [], revoke, [revoked]],
    ['a stale creation after the revocation never brings the key back', [revoked], { ...record, sourceRevision: 0 }, []],
    ['a creation with a newer revision after a revocation is still refused', [revoked], { ...record, sourceRevision: 2 }, []],
  ])('%s', (_name, given, when, then) => {
    expect(knownApiKeyDecider.decide(when, fold(given))).toEqual(then);
  });

  it('folds to a usable key, then to a revoked one', () => {
    expect(fold([created])).toMatchObject({ known: true, revoked: false, role: 'Developer', organizationId: 'org-us-1', secretHash: 'h' });
    expect(fold([created, revoked])).toMatchObject({ known: true, revoked: true });
    expect(fold([revoked])).toMatchObject({ known: false, revoked: true });
  });
});
