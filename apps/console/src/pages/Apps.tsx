import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import { href, navigate } from '../router';
import type { App, Requirement, ResourceKind } from '../api/types';
import { Alert, Field, Pager, Select, Status, Title, statusLabel, useAction, useLoad, usePages, Submit, Table } from '../ui';

const PAGE_SIZE = 25;
const KINDS: readonly ResourceKind[] = ['salesforce', 'http-api', 'twilio-account', 'smtp', 'phone-number'];

/** Export: ask the server for a package, then download it with the session's token (a plain link carries none) */
export async function exportApp(org: string, app: App) {
  const done = await api.exportApp(org, app.id);
  const { blob, fileName } = await api.download(org, app.id, done.exportId);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Apps({ org }: { org: string }) {
  const list = useLoad(() => api.apps(org), [org]);
  const [filter, setFilter] = useState('');
  const [menu, setMenu] = useState(false);
  const action = useAction();
  const items = (list.data?.items ?? []).filter((a) => a.name.toLowerCase().includes(filter.toLowerCase()));
  const pages = usePages(items, PAGE_SIZE);
  const edit = session.can('apps.edit');
  const canImport = session.can('apps.import');
  const canExport = session.can('apps.export');

  return (
    <>
      <Title>Apps</Title>
      {(edit || canImport) && (
        <div className="menu">
          <button type="button" aria-expanded={menu} aria-controls="create-menu" onClick={() => setMenu(!menu)}>
            Create New
          </button>
          {menu && (
            <ul id="create-menu" className="menu-items">
              {edit && (
                <li>
                  <a href={href({ page: 'new-app', org })}>New app from a definition</a>
                </li>
              )}
              {canImport && (
                <li>
                  <a href={href({ page: 'import-app', org })}>Import App</a>
                </li>
              )}
            </ul>
          )}
        </div>
      )}
      <Field label="Filter apps by name" value={filter} onChange={(v) => (setFilter(v), pages.setPage(0))} />
      <Alert>{list.error ?? action.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      {list.data && (
        <p>
          {items.length} of {list.data.items.length} apps
        </p>
      )}
      <Table caption="Apps of the organization" columns={['Name', 'State', 'Version', 'Origin', canExport && 'Actions']}>
        {pages.rows.map((a) => (
          <tr key={a.id}>
            <td>
              <a href={href({ page: 'app', org, app: a.id })}>{a.name}</a>
            </td>
            <td>
              <span className={`state ${a.status}`}>{statusLabel(a.status)}</span>
            </td>
            <td>{a.version}</td>
            <td>{a.origin ? `imported from ${a.origin.sourceOrganizationName} (${a.origin.sourceRegion})` : 'created here'}</td>
            {canExport && (
              <td>
                <button type="button" disabled={action.busy} onClick={() => action.run(() => exportApp(org, a), `${a.name} was exported.`)}>
                  Export<span className="visually-hidden"> {a.name}</span>
                </button>
              </td>
            )}
          </tr>
        ))}
      </Table>
      <Pager
        label="App pages"
        page={pages.page}
        pages={pages.pages}
        hasPrevious={pages.page > 0}
        hasNext={pages.page < pages.pages - 1}
        onPrevious={() => pages.setPage(pages.page - 1)}
        onNext={() => pages.setPage(pages.page + 1)}
      />
    </>
  );
}

export function NewApp({ org }: { org: string }) {
  const [name, setName] = useState('');
  const [definition, setDefinition] = useState('{\n  "pages": []\n}');
  const [requirements, setRequirements] = useState<Requirement[]>([]);
  const [slot, setSlot] = useState('');
  const [kind, setKind] = useState<ResourceKind>('salesforce');
  const action = useAction();
  const definitionId = useId();

  async function create(event: FormEvent) {
    event.preventDefault();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(definition) as Record<string, unknown>;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the definition must be a JSON object');
    } catch (e) {
      action.setError(`The definition is not valid JSON: ${(e as Error).message}`);
      return;
    }
    let app: App | undefined;
    if (await action.run(async () => (app = await api.createApp(org, { name, definition: parsed, requirements })))) navigate({ page: 'app', org, app: app!.id });
  }

  return (
    <>
      <Title>New app</Title>
      <form onSubmit={create} aria-label="New app">
        <Field label="Name" value={name} onChange={setName} required />
        <div className="field">
          <label htmlFor={definitionId}>Definition (JSON)</label>
          <textarea id={definitionId} rows={6} value={definition} onChange={(e) => setDefinition(e.target.value)} />
        </div>
        <fieldset>
          <legend>Resource slots</legend>
          {requirements.length === 0 && <p>No slot: the app needs no resource.</p>}
          <ul>
            {requirements.map((r) => (
              <li key={r.slot}>
                {r.slot} ({r.kind}){' '}
                <button type="button" onClick={() => setRequirements(requirements.filter((x) => x.slot !== r.slot))}>
                  Remove slot {r.slot}
                </button>
              </li>
            ))}
          </ul>
          <div className="row">
            <Field label="Slot name" value={slot} onChange={setSlot} hint="Lower case letters, digits and dashes, for example crm." />
            <Select label="Slot kind" value={kind} options={KINDS} onChange={setKind} />
            <button
              type="button"
              disabled={!slot}
              onClick={() => {
                setRequirements([...requirements.filter((r) => r.slot !== slot), { slot, kind }]);
                setSlot('');
              }}
            >
              Add slot
            </button>
          </div>
        </fieldset>
        <Submit action={action}>Create app</Submit>
      </form>
    </>
  );
}

export function ImportApp({ org }: { org: string }) {
  const [file, setFile] = useState<File | null>(null);
  const [crossRegion, setCrossRegion] = useState(false);
  const action = useAction();
  const fileId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return action.setError('Choose the ZIP file exported from the Studio.');
    let app: App | undefined;
    if (await action.run(async () => (app = await api.importApp(org, file, crossRegion)))) navigate({ page: 'app', org, app: app!.id });
  }

  return (
    <>
      <Title>Import App</Title>
      <p>Import an app exported as a ZIP package from the Studio or another organization. You configure its resources next.</p>
      <form onSubmit={submit} aria-label="Import App">
        <div className="field">
          <label htmlFor={fileId}>App package (ZIP)</label>
          <input id={fileId} type="file" accept=".zip,application/zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
        <label className="check">
          <input type="checkbox" checked={crossRegion} onChange={(e) => setCrossRegion(e.target.checked)} />
          The package comes from another region, and I accept copying its definition into this one
        </label>
        <Alert>{action.error && `The package was refused: ${action.error}`}</Alert>
        <button type="submit" disabled={action.busy}>
          Import
        </button>
      </form>
    </>
  );
}
