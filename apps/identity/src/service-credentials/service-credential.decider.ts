import { assertNever, Decider, DomainError } from '@lib/eventstore';

/**
 * Named service credentials (OAuth 2.0 clients of the client credentials grant), all in one stream: the
 * operator keeps a handful, and one stream gives a consistent list and one cached fold to check against.
 * Secrets are stored as SHA-256 hashes; a rotation keeps the previous secret valid until a stated time.
 */
export const SERVICE_CREDENTIALS_STREAM = 'service-credentials';
export const serviceCredentialsStream = (_: string) => SERVICE_CREDENTIALS_STREAM;
export const CREDENTIAL_NAME = /^[a-z][a-z0-9-]{2,62}$/;

export type ServiceCredentialEvent =
  | { type: 'ServiceCredentialCreated'; data: { name: string; scopes: string[]; secretHash: string; description: string | null; createdAt: string } }
  | { type: 'ServiceCredentialRotated'; data: { name: string; secretHash: string; previousValidUntil: string; rotatedAt: string } }
  | { type: 'ServiceCredentialRevoked'; data: { name: string; revokedAt: string } };

export type ServiceCredentialCommand =
  | { type: 'CreateServiceCredential'; at: string; name: string; scopes: string[]; secretHash: string; description: string | null }
  | { type: 'RotateServiceCredential'; at: string; name: string; secretHash: string; previousValidUntil: string }
  | { type: 'RevokeServiceCredential'; at: string; name: string };

export interface CredentialSecret {
  hash: string;
  /** null: the current secret; otherwise the end of its overlap window */
  validUntil: string | null;
}

export interface ServiceCredential {
  name: string;
  scopes: string[];
  description: string | null;
  createdAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  secrets: CredentialSecret[];
}

export interface ServiceCredentialsState {
  credentials: Map<string, ServiceCredential>;
}

/** the credential a presented secret hash belongs to at `now`, or null (unknown, revoked, or its overlap ended) */
export function credentialFor(state: ServiceCredentialsState, name: string, hash: string, now: string): ServiceCredential | null {
  const credential = state.credentials.get(name);
  if (!credential || credential.revokedAt) return null;
  const secret = credential.secrets.find((s) => s.hash === hash);
  if (!secret || (secret.validUntil !== null && secret.validUntil <= now)) return null;
  return credential;
}

const unknown = (name: string) => new DomainError('not_found', `no service credential named ${name}`, 'service-credential-not-found');

function live(state: ServiceCredentialsState, name: string): ServiceCredential {
  const credential = state.credentials.get(name);
  if (!credential) throw unknown(name);
  if (credential.revokedAt) throw new DomainError('conflict', `the service credential ${name} is revoked`, 'service-credential-revoked');
  return credential;
}

export const serviceCredentialDecider: Decider<ServiceCredentialCommand, ServiceCredentialEvent, ServiceCredentialsState> = {
  initialState: () => ({ credentials: new Map() }),
  evolve(state, event) {
    // the fold is shared with the repository's cache: a new map per event keeps earlier states intact
    const credentials = new Map(state.credentials);
    switch (event.type) {
      case 'ServiceCredentialCreated':
        credentials.set(event.data.name, {
          name: event.data.name,
          scopes: event.data.scopes,
          description: event.data.description,
          createdAt: event.data.createdAt,
          rotatedAt: null,
          revokedAt: null,
          secrets: [{ hash: event.data.secretHash, validUntil: null }],
        });
        break;
      case 'ServiceCredentialRotated': {
        const c = credentials.get(event.data.name)!;
        const current = c.secrets.find((s) => s.validUntil === null)!;
        // one overlap at a time: a secret from an earlier rotation ends now
        credentials.set(c.name, {
          ...c,
          rotatedAt: event.data.rotatedAt,
          secrets: [{ hash: event.data.secretHash, validUntil: null }, { hash: current.hash, validUntil: event.data.previousValidUntil }],
        });
        break;
      }
      case 'ServiceCredentialRevoked': {
        const c = credentials.get(event.data.name)!;
        credentials.set(c.name, { ...c, revokedAt: event.data.revokedAt, secrets: [] });
        break;
      }
      default:
        return assertNever(event);
    }
    return { credentials };
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateServiceCredential':
        if (!CREDENTIAL_NAME.test(command.name)) {
          throw new DomainError('invalid', 'a credential name is 3-63 lowercase letters, digits and dashes, starting with a letter', 'invalid-credential-name');
        }
        if (command.scopes.length === 0) throw new DomainError('invalid', 'a service credential needs at least one scope', 'no-scopes');
        // names stay unique forever, so a log line or an audit entry naming one always means the same credential
        if (state.credentials.has(command.name)) throw new DomainError('conflict', `a service credential named ${command.name} exists`, 'service-credential-exists');
        return [
          {
            type: 'ServiceCredentialCreated',
            data: { name: command.name, scopes: [...new Set(command.scopes)].sort(), secretHash: command.secretHash, description: command.description, createdAt: command.at },
          },
        ];
      case 'RotateServiceCredential':
        live(state, command.name);
        if (command.previousValidUntil < command.at) throw new DomainError('invalid', 'the overlap cannot end in the past', 'invalid-overlap');
        return [{ type: 'ServiceCredentialRotated', data: { name: command.name, secretHash: command.secretHash, previousValidUntil: command.previousValidUntil, rotatedAt: command.at } }];
      case 'RevokeServiceCredential':
        live(state, command.name);
        return [{ type: 'ServiceCredentialRevoked', data: { name: command.name, revokedAt: command.at } }];
      default:
        return assertNever(command);
    }
  },
};
