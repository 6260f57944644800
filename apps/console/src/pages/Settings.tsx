import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { Alert, Field, Status, Title, useAction, useLoad } from '../ui';

/** Organization settings: Admins rename the organization (the only setting today's API has). */
export function Settings({ org }: { org: string }) {
  const organization = useLoad(() => api.organization(org), [org]);
  const [name, setName] = useState('');
  const action = useAction();
  const manage = session.can('organization.manage');
  useEffect(() => setName(organization.data?.name ?? ''), [organization.data]);

  async function rename(event: FormEvent) {
    event.preventDefault();
    if (await action.run(() => api.rename(org, name), `The organization is now called ${name}.`)) {
      session.memberships((await api.me()).organizations);
      organization.reload();
    }
  }

  return (
    <>
      <Title>Settings</Title>
      <Alert>{organization.error ?? action.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {organization.data && (
        <dl className="facts">
          <dt>Identifier</dt>
          <dd>
            <code>{organization.data.id}</code>
          </dd>
          <dt>Region</dt>
          <dd>{organization.data.region}</dd>
        </dl>
      )}
      {manage ? (
        <form onSubmit={rename} aria-label="Rename the organization">
          <Field label="Organization name" value={name} onChange={setName} required />
          <button type="submit" disabled={action.busy}>
            Rename
          </button>
        </form>
      ) : (
        <p>Only Admins change the organization’s settings.</p>
      )}
    </>
  );
}
