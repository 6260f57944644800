import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { Alert, Field, Status, Title, useAction, useLoad } from '../ui';

/** Organization settings: Admins rename the organization and decide whether every member needs a second factor. */
export function Settings({ org }: { org: string }) {
  const organization = useLoad(() => api.organization(org), [org]);
  const action = useAction();
  const manage = session.can('organization.manage');

  async function rename(name: string) {
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
      {!manage && <p>Only Admins change the organization’s settings.</p>}
      {/* the form appears with the name loaded (keyed by it), so nothing typed is overwritten by a late answer */}
      {manage && organization.data && <RenameForm key={organization.data.name} current={organization.data.name} busy={action.busy} onRename={rename} />}
      {organization.data && <MfaRequirement org={org} required={organization.data.mfaRequired === true} manage={manage} onChange={organization.reload} />}
    </>
  );
}

function RenameForm(props: { current: string; busy: boolean; onRename: (name: string) => void }) {
  const [name, setName] = useState(props.current);
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        props.onRename(name);
      }}
      aria-label="Rename the organization"
    >
      <Field label="Organization name" value={name} onChange={setName} required />
      <button type="submit" disabled={props.busy}>
        Rename
      </button>
    </form>
  );
}

function MfaRequirement(props: { org: string; required: boolean; manage: boolean; onChange: () => void }) {
  const [required, setRequired] = useState(props.required);
  const action = useAction();
  useEffect(() => setRequired(props.required), [props.required]);

  async function save(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(
      () => api.setMfaRequirement(props.org, required),
      required
        ? 'Every member now needs a second factor: those without one are asked to set it up before they work here.'
        : 'A second factor is no longer required in this organization.',
    );
    if (done) props.onChange();
  }

  return (
    <section aria-labelledby="mfa-requirement-title">
      <h2 id="mfa-requirement-title">Two-factor authentication</h2>
      {props.manage ? (
        <form onSubmit={save} aria-label="Two-factor requirement">
          <label className="check">
            <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} />
            Require two-factor authentication of every member
          </label>
          <Alert>{action.error}</Alert>
          <button type="submit" disabled={action.busy || required === props.required}>
            Save requirement
          </button>
        </form>
      ) : (
        <p>{props.required ? 'Members must sign in with a second factor.' : 'A second factor is not required here.'}</p>
      )}
      {action.status && <Status>{action.status}</Status>}
    </section>
  );
}
