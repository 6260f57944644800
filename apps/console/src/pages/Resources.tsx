import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import type { Integration, IntegrationKind, PhoneNumber } from '../api/types';
import { Alert, Field, Select, Status, Title, useAction, useLoad } from '../ui';

const INTEGRATION_KINDS: readonly IntegrationKind[] = ['salesforce', 'http-api', 'twilio-account', 'smtp'];
const CONFIG_KEY: Record<IntegrationKind, string> = { salesforce: 'instanceUrl', 'http-api': 'baseUrl', 'twilio-account': 'accountSid', smtp: 'host' };

/** Integrations: create, edit, disable/enable, delete. The secret is write-only: "set" or "replace", never shown. */
export function Integrations({ org }: { org: string }) {
  const manage = session.can('resources.manage');
  const list = useLoad(() => api.integrations(org), [org]);
  const action = useAction();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<IntegrationKind>('salesforce');
  const [setting, setSetting] = useState('');
  const [secret, setSecret] = useState('');

  async function create(event: FormEvent) {
    event.preventDefault();
    const body = { name, kind, config: setting ? { [CONFIG_KEY[kind]]: setting } : {}, ...(secret ? { secret } : {}) };
    if (await action.run(() => api.createIntegration(org, body), `Integration ${name} was added.`)) {
      setName('');
      setSetting('');
      setSecret('');
      list.reload();
    }
  }

  return (
    <>
      <Title>Integrations</Title>
      <Alert>{list.error ?? action.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {list.data && list.data.items.length === 0 && <p>No integration yet.</p>}
      <ul className="cards">
        {list.data?.items.map((i) => <IntegrationCard key={i.id} org={org} integration={i} manage={manage} onChange={list.reload} />)}
      </ul>
      {manage && (
        <form onSubmit={create} aria-labelledby="new-integration">
          <h2 id="new-integration">Add an integration</h2>
          <Field label="Name" value={name} onChange={setName} required />
          <Select label="Kind" value={kind} options={INTEGRATION_KINDS} onChange={setKind} />
          <Field label={`Setting: ${CONFIG_KEY[kind]}`} value={setting} onChange={setSetting} hint="Not secret; shown to everyone who can read resources." />
          <Field label="Secret" type="password" value={secret} onChange={setSecret} autoComplete="off" hint="Stored encrypted; never shown again." />
          <button type="submit" disabled={action.busy}>
            Add integration
          </button>
        </form>
      )}
    </>
  );
}

function IntegrationCard({ org, integration, manage, onChange }: { org: string; integration: Integration; manage: boolean; onChange: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(integration.name);
  const key = CONFIG_KEY[integration.kind];
  const [setting, setSetting] = useState(String(integration.config[key] ?? ''));
  const [secret, setSecret] = useState('');
  const action = useAction();
  const headingId = useId();

  async function save(event: FormEvent) {
    event.preventDefault();
    const body = { name, config: { ...integration.config, [key]: setting }, ...(secret ? { secret } : {}) };
    if (await action.run(() => api.updateIntegration(org, integration.id, body))) {
      setEditing(false);
      setSecret('');
      onChange();
    }
  }

  return (
    <li aria-labelledby={headingId}>
      <h3 id={headingId}>{integration.name}</h3>
      <span>
        {integration.kind} · {integration.status} · secret {integration.hasSecret ? 'set' : 'not set'}
        {integration.config[key] ? ` · ${key} ${String(integration.config[key])}` : ''}
      </span>
      <Alert>{action.error}</Alert>
      {manage && !editing && (
        <ResourceActions org={org} collection="integrations" id={integration.id} name={integration.name} status={integration.status} onEdit={() => setEditing(true)} onChange={onChange} />
      )}
      {editing && (
        <form onSubmit={save} aria-label={`Edit ${integration.name}`}>
          <Field label="Name" value={name} onChange={setName} required />
          <Field label={`Setting: ${key}`} value={setting} onChange={setSetting} />
          <Field
            label={integration.hasSecret ? 'Replace the secret' : 'Set a secret'}
            type="password"
            value={secret}
            onChange={setSecret}
            autoComplete="off"
            hint="Leave empty to keep the current secret."
          />
          <button type="submit" disabled={action.busy}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}

function ResourceActions(props: {
  org: string;
  collection: 'integrations' | 'phone-numbers';
  id: string;
  name: string;
  status: string;
  onEdit: () => void;
  onChange: () => void;
}) {
  const action = useAction();
  const enabled = props.status === 'active';
  async function toggle() {
    if (await action.run(() => api.setResourceEnabled(props.org, props.collection, props.id, !enabled))) props.onChange();
  }
  async function remove() {
    if (!window.confirm(`Delete ${props.name}? Apps bound to it lose that binding.`)) return;
    if (await action.run(() => api.deleteResource(props.org, props.collection, props.id))) props.onChange();
  }
  return (
    <div className="actions">
      <button type="button" onClick={props.onEdit}>
        Edit<span className="visually-hidden"> {props.name}</span>
      </button>
      <button type="button" disabled={action.busy} onClick={toggle}>
        {enabled ? 'Disable' : 'Enable'}
        <span className="visually-hidden"> {props.name}</span>
      </button>
      <button type="button" className="danger" disabled={action.busy} onClick={remove}>
        Delete<span className="visually-hidden"> {props.name}</span>
      </button>
      <Alert>{action.error}</Alert>
    </div>
  );
}

function Capabilities({ value, onChange }: { value: ('sms' | 'voice')[]; onChange: (v: ('sms' | 'voice')[]) => void }) {
  return (
    <fieldset>
      <legend>Capabilities</legend>
      {(['sms', 'voice'] as const).map((c) => (
        <label key={c} className="check">
          <input type="checkbox" checked={value.includes(c)} onChange={(e) => onChange(e.target.checked ? [...value, c] : value.filter((x) => x !== c))} />
          {c === 'sms' ? 'SMS' : 'Voice'}
        </label>
      ))}
    </fieldset>
  );
}

export function PhoneNumbers({ org }: { org: string }) {
  const manage = session.can('resources.manage');
  const list = useLoad(() => api.phoneNumbers(org), [org]);
  const action = useAction();
  const [number, setNumber] = useState('');
  const [name, setName] = useState('');
  const [capabilities, setCapabilities] = useState<('sms' | 'voice')[]>(['sms', 'voice']);

  async function create(event: FormEvent) {
    event.preventDefault();
    const body = { number, provider: 'twilio' as const, capabilities, ...(name ? { name } : {}) };
    if (await action.run(() => api.createPhoneNumber(org, body), `Phone number ${number} was added.`)) {
      setNumber('');
      setName('');
      list.reload();
    }
  }

  return (
    <>
      <Title>Phone numbers</Title>
      <Alert>{list.error ?? action.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {list.data && list.data.items.length === 0 && <p>No phone number yet.</p>}
      <ul className="cards">
        {list.data?.items.map((p) => <PhoneCard key={p.id} org={org} phone={p} manage={manage} onChange={list.reload} />)}
      </ul>
      {manage && (
        <form onSubmit={create} aria-labelledby="new-number">
          <h2 id="new-number">Add a phone number</h2>
          <Field label="Number" value={number} onChange={setNumber} required placeholder="+14155550100" hint="International format (E.164), for example +14155550100." />
          <Field label="Name (optional)" value={name} onChange={setName} />
          <Capabilities value={capabilities} onChange={setCapabilities} />
          <button type="submit" disabled={action.busy}>
            Add phone number
          </button>
        </form>
      )}
    </>
  );
}

function PhoneCard({ org, phone, manage, onChange }: { org: string; phone: PhoneNumber; manage: boolean; onChange: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(phone.name);
  const [capabilities, setCapabilities] = useState(phone.capabilities);
  const action = useAction();
  const headingId = useId();
  async function save(event: FormEvent) {
    event.preventDefault();
    if (await action.run(() => api.updatePhoneNumber(org, phone.id, { name, capabilities }))) {
      setEditing(false);
      onChange();
    }
  }
  return (
    <li aria-labelledby={headingId}>
      <h3 id={headingId}>{phone.name}</h3>
      <span>
        {phone.number} · {phone.provider} · {phone.capabilities.join(', ') || 'no capability'} · {phone.status}
      </span>
      <Alert>{action.error}</Alert>
      {manage && !editing && (
        <ResourceActions org={org} collection="phone-numbers" id={phone.id} name={phone.name} status={phone.status} onEdit={() => setEditing(true)} onChange={onChange} />
      )}
      {editing && (
        <form onSubmit={save} aria-label={`Edit ${phone.name}`}>
          <Field label="Name" value={name} onChange={setName} required />
          <Capabilities value={capabilities} onChange={setCapabilities} />
          <button type="submit" disabled={action.busy}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}
