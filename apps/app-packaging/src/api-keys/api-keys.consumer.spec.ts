import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORGANIZATION_API_KEYS_TOPIC } from '@lib/contracts';
import { knownApiKeyCommand, parseApiKeyMessage } from './api-keys.consumer';

const fixtures = JSON.parse(readFileSync(join(__dirname, '../../../../libs/contracts/src/compat/fixtures/organization.api-keys.v1.json'), 'utf8')) as {
  messages: { key: string; value: string; headers: Record<string, string> }[];
};

describe('organization.api-keys.v1 records at app-packaging', () => {
  it('turns a creation and a revocation into commands on the key\'s own stream, guarded by the source revision', () => {
    const commands = fixtures.messages.map((m) => {
      const parsed = parseApiKeyMessage({ topic: ORGANIZATION_API_KEYS_TOPIC, ...m });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed));
      return knownApiKeyCommand(parsed.value);
    });
    expect(commands).toEqual([
      expect.objectContaining({ type: 'RecordApiKey', keyId: 'key-01jabcdefghjkmnpqrstvwxyz1', role: 'Developer', secretHash: expect.any(String), sourceRevision: 0 }),
      expect.objectContaining({ type: 'RecordApiKeyRevocation', keyId: 'key-01jabcdefghjkmnpqrstvwxyz1', sourceRevision: 1 }),
    ]);
  });

  it('refuses a record carrying a secret, or without a hash (dead-lettered, never recorded)', () => {
    const created = JSON.parse(fixtures.messages[0].value);
    const withSecret = { ...created, data: { ...created.data, secret: 'plain' } };
    const withoutHash = { ...created, data: { ...created.data, secretHash: undefined } };
    for (const value of [withSecret, withoutHash]) {
      expect(parseApiKeyMessage({ topic: ORGANIZATION_API_KEYS_TOPIC, key: fixtures.messages[0].key, value: JSON.stringify(value), headers: fixtures.messages[0].headers }).ok).toBe(false);
    }
  });
});
