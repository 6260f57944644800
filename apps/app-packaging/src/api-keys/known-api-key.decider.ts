import { assertNever, Decider } from '@lib/eventstore';

/**
 * An organization API key as app-packaging learned it from organization.api-keys.v1, kept in its own log
 * (one stream per key): which organization, which role, the SHA-256 of the secret, revoked or not. The guard is
 * the revision of the key's stream at organization, so redeliveries and stale records are no-ops.
 */
export const knownApiKeyStream = (keyId: string) => `known-api-key-${keyId}`;

export type KnownApiKeyRole = 'Developer' | 'Agent';

export type KnownApiKeyEvent =
  | { type: 'ApiKeyRecorded'; data: { keyId: string; organizationId: string; name: string; role: KnownApiKeyRole; secretHash: string; sourceRevision: number } }
  | { type: 'ApiKeyRevocationRecorded'; data: { keyId: string; organizationId: string; sourceRevision: number } };

export type KnownApiKeyCommand =
  | { type: 'RecordApiKey'; keyId: string; organizationId: string; name: string; role: KnownApiKeyRole; secretHash: string; sourceRevision: number }
  | { type: 'RecordApiKeyRevocation'; keyId: string; organizationId: string; sourceRevision: number };

export interface KnownApiKeyState {
  known: boolean;
  keyId: string;
  organizationId: string;
  name: string;
  role: KnownApiKeyRole;
  secretHash: string;
  revoked: boolean;
  sourceRevision: number;
}

export const knownApiKeyDecider: Decider<KnownApiKeyCommand, KnownApiKeyEvent, KnownApiKeyState> = {
  initialState: () => ({ known: false, keyId: '', organizationId: '', name: '', role: 'Agent', secretHash: '', revoked: false, sourceRevision: -1 }),
  evolve(state, event) {
    state.sourceRevision = event.data.sourceRevision;
    switch (event.type) {
      case 'ApiKeyRecorded': {
        const { keyId, organizationId, name, role, secretHash } = event.data;
        return { ...state, known: true, keyId, organizationId, name, role, secretHash };
      }
      case 'ApiKeyRevocationRecorded':
        // a revocation seen without its creation (a lost record) still makes the key unusable here
        return { ...state, keyId: event.data.keyId, organizationId: event.data.organizationId, revoked: true };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    if (command.sourceRevision <= state.sourceRevision) return [];
    switch (command.type) {
      case 'RecordApiKey': {
        // a revoked key is never brought back, whatever arrives after
        if (state.revoked) return [];
        const { keyId, organizationId, name, role, secretHash, sourceRevision } = command;
        return [{ type: 'ApiKeyRecorded', data: { keyId, organizationId, name, role, secretHash, sourceRevision } }];
      }
      case 'RecordApiKeyRevocation':
        return [{ type: 'ApiKeyRevocationRecorded', data: { keyId: command.keyId, organizationId: command.organizationId, sourceRevision: command.sourceRevision } }];
      default:
        return assertNever(command);
    }
  },
};
