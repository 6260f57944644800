import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import type { ApiKey, Role } from '../api/types';
import { Alert, Field, Select, Status, Title, useAction, useLoad, Table } from '../ui';

type KeyRole = Exclude<Role, 'Admin'>;
const KEY_ROLES: readonly KeyRole[] = ['Developer', 'Agent'];

/** API keys (Admins): a key is shown once, when it is created; the list never holds a secret; revoking is immediate */
export function ApiKeys({ org }: { org: string }) {
  const keys = useLoad(async () => (await api.apiKeys(org)).items, [org]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<KeyRole>('Developer');
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const action = useAction();

  async function create(event: FormEvent) {
    event.preventDefault();
    if (await action.run(async () => setCreated(await api.createApiKey(org, { name, role })))) {
      setName('');
      keys.reload();
    }
  }

  async function revoke(key: ApiKey) {
    if (!window.confirm(`Revoke the API key ${key.name}? Programs using it are refused from their next request.`)) return;
    if (await action.run(() => api.revokeApiKey(org, key.id), `The API key ${key.name} is revoked.`)) {
      if (created?.id === key.id) setCreated(null);
      keys.reload();
    }
  }

  return (
    <>
      <Title>API keys</Title>
      <p>Programs call the API with a key instead of a person’s session. A key acts with its role (Developer or Agent) in this organization only.</p>
      <form className="row" onSubmit={create} aria-label="Create an API key">
        <Field label="Key name" value={name} onChange={setName} required placeholder="deploy pipeline" />
        <Select label="Key role" value={role} options={KEY_ROLES} onChange={setRole} />
        <button type="submit" disabled={action.busy}>
          Create key
        </button>
      </form>
      <Alert>{action.error ?? keys.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {created && (
        <section className="notice" aria-labelledby="new-key-title">
          <h2 id="new-key-title">New key: {created.name}</h2>
          <p>Copy it now: it is shown this once and cannot be read again. Send it as `Authorization: Bearer &lt;key&gt;`.</p>
          <p className="secret" aria-label="The new API key">
            {created.key}
          </p>
          <button type="button" onClick={() => setCreated(null)}>
            I have copied the key
          </button>
        </section>
      )}
      {keys.data && keys.data.length === 0 && <p>No API key yet.</p>}
      {keys.data && keys.data.length > 0 && (
        <Table caption="API keys of the organization" columns={['Name', 'Role', 'Created', 'Status', 'Actions']}>
          {keys.data.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>{k.role}</td>
              <td>{new Date(k.createdAt).toLocaleString()}</td>
              <td>{k.status === 'revoked' && k.revokedAt ? `revoked ${new Date(k.revokedAt).toLocaleString()}` : k.status}</td>
              <td>
                {k.status === 'active' && (
                  <button type="button" className="danger" disabled={action.busy} onClick={() => revoke(k)}>
                    Revoke<span className="visually-hidden"> the API key {k.name}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
