import { Role, ROLES } from '@lib/contracts';
import { assertNever, Decider, DomainError } from '@lib/eventstore';
import { API_KEY_ROLES, ApiKeyEvent, ApiKeyRole } from './api-key.events';

/** what a key is, as created: its id, organization, name, role, the hash of its secret and who created it */
interface ApiKeyDefinition {
  keyId: string;
  organizationId: string;
  name: string;
  role: ApiKeyRole;
  secretHash: string;
  createdBy: string;
}

export type ApiKeyCommand =
  /** `creatorRole`: the creator's current role in the organization (read under the organization's state) */
  | ({ type: 'CreateApiKey'; at: string; creatorRole: Role | null } & ApiKeyDefinition)
  | { type: 'RevokeApiKey'; at: string; organizationId: string; revokedBy: string };

export interface ApiKeyState extends ApiKeyDefinition {
  exists: boolean;
  createdAt: string;
  revokedAt: string | null;
}

/** ROLES lists the most powerful first: a lower index is a higher role */
const rank = (role: Role) => ROLES.length - ROLES.indexOf(role);

const notFound = () => new DomainError('not_found', 'API key not found', 'api-key-not-found');

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = {
  initialState: () => ({
    exists: false,
    keyId: '',
    organizationId: '',
    name: '',
    role: 'Agent',
    secretHash: '',
    createdBy: '',
    createdAt: '',
    revokedAt: null,
  }),
  evolve(state, event) {
    switch (event.type) {
      case 'ApiKeyCreated':
        return { ...state, exists: true, ...event.data, revokedAt: null };
      case 'ApiKeyRevoked':
        return { ...state, revokedAt: event.data.revokedAt };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateApiKey': {
        if (state.exists) throw new DomainError('conflict', 'the API key exists', 'api-key-exists');
        if (!API_KEY_ROLES.includes(command.role)) {
          throw new DomainError('invalid', `an API key's role is ${API_KEY_ROLES.join(' or ')}`, 'invalid-api-key-role');
        }
        if (!command.creatorRole || rank(command.role) > rank(command.creatorRole)) {
          throw new DomainError('forbidden', `an API key cannot hold a role above its creator's (${command.creatorRole ?? 'none'})`, 'api-key-role-above-creator');
        }
        const { type: _t, at, creatorRole: _c, ...rest } = command;
        return [{ type: 'ApiKeyCreated', data: { ...rest, createdAt: at } }];
      }
      case 'RevokeApiKey':
        // another organization's key is "not found" here, never "forbidden": its existence is not told
        if (!state.exists || state.organizationId !== command.organizationId) throw notFound();
        if (state.revokedAt) throw new DomainError('conflict', 'the API key is already revoked', 'api-key-revoked');
        return [{ type: 'ApiKeyRevoked', data: { keyId: state.keyId, organizationId: state.organizationId, revokedBy: command.revokedBy, revokedAt: command.at } }];
      default:
        return assertNever(command);
    }
  },
};
