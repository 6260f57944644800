import { useEffect, useState } from 'react';
import { api } from '../api/api';
import { session } from '../session';
import type { App, PlanEntry, Resource } from '../api/types';
import { exportApp } from './Apps';
import { Alert, Select, Status, Title, statusLabel, useAction, useLoad } from '../ui';

/**
 * The binding screen: each slot with its kind, what the package's source used (a hint), the candidates among the
 * organization's current active resources of that kind, and what is still missing before publishing.
 */
export function AppDetail({ org, appId }: { org: string; appId: string }) {
  const app = useLoad(() => api.app(org, appId), [org, appId]);
  const resources = useLoad(async () => {
    const [integrations, numbers] = await Promise.all([api.integrations(org), api.phoneNumbers(org)]);
    return [...integrations.items, ...numbers.items] as Resource[];
  }, [org]);
  const [current, setCurrent] = useState<App | undefined>();
  const action = useAction();
  useEffect(() => setCurrent(app.data), [app.data]);
  const edit = session.can('apps.edit');
  const publish = session.can('apps.publish');

  if (!current) return <Alert>{app.error}</Alert>;
  const byId = new Map((resources.data ?? []).map((r) => [r.id, r]));
  const missing = current.requirements.filter((r) => {
    const bound = byId.get(current.bindings[r.slot] ?? '');
    return !bound || bound.status !== 'active';
  });

  async function change(run: () => Promise<App>, done: string) {
    await action.run(async () => setCurrent(await run()), done);
  }

  return (
    <>
      <Title>{current.name}</Title>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <span className={`state ${current.status}`}>{statusLabel(current.status)}</span>
        </dd>
        <dt>Version</dt>
        <dd>
          {current.version}
          {current.publishedVersion !== null ? ` (published: ${current.publishedVersion})` : ' (never published)'}
        </dd>
        {current.origin && (
          <>
            <dt>Imported from</dt>
            <dd>
              {current.origin.sourceAppName} v{current.origin.sourceVersion} of {current.origin.sourceOrganizationName} ({current.origin.sourceRegion}), exported{' '}
              {new Date(current.origin.exportedAt).toLocaleString()}
            </dd>
          </>
        )}
      </dl>
      <Alert>{action.error ?? resources.error}</Alert>
      {action.status && <Status>{action.status}</Status>}
      <h2>Resource slots</h2>
      {current.requirements.length === 0 && <p>This app needs no resource.</p>}
      {missing.length > 0 && (
        <p className="notice">
          Missing before publishing: {missing.map((m) => `${m.slot} (a ${m.kind})`).join(', ')}.
        </p>
      )}
      <ul className="cards">
        {current.requirements.map((r) => (
          <SlotCard
            key={r.slot}
            slot={r.slot}
            kind={r.kind}
            plan={current.bindingPlan?.find((p) => p.slot === r.slot)}
            boundTo={byId.get(current.bindings[r.slot] ?? '')}
            boundId={current.bindings[r.slot]}
            candidates={(resources.data ?? []).filter((x) => x.kind === r.kind && x.status === 'active')}
            edit={edit}
            busy={action.busy}
            onBind={(resourceId, name) => change(() => api.bind(org, current.id, r.slot, resourceId), `Slot ${r.slot} is bound to ${name}.`)}
          />
        ))}
      </ul>
      <div className="actions">
        {edit && current.bindingPlan && (
          <button type="button" disabled={action.busy} onClick={() => change(() => api.useSuggestions(org, current.id), 'The suggested resources were bound.')}>
            Bind the suggestions
          </button>
        )}
        {publish && (
          <button type="button" disabled={action.busy} onClick={() => change(() => api.publish(org, current.id), `${current.name} is published.`)}>
            Publish
          </button>
        )}
        {session.can('apps.export') && (
          <button type="button" disabled={action.busy} onClick={() => action.run(() => exportApp(org, current), `${current.name} was exported.`)}>
            Export
          </button>
        )}
      </div>
    </>
  );
}

function SlotCard(props: {
  slot: string;
  kind: string;
  plan: PlanEntry | undefined;
  boundTo: Resource | undefined;
  boundId: string | undefined;
  candidates: Resource[];
  edit: boolean;
  busy: boolean;
  onBind: (resourceId: string, name: string) => void;
}) {
  const suggested = props.plan?.candidates.find((c) => props.candidates.some((x) => x.id === c.resourceId))?.resourceId;
  const options = props.candidates.map((c) => c.id);
  const [choice, setChoice] = useState(props.boundId ?? suggested ?? options[0] ?? '');
  useEffect(() => {
    if (!choice && options.length > 0) setChoice(suggested ?? options[0]);
  }, [options.join(), suggested, choice]);
  const names = new Map(props.candidates.map((c) => [c.id, c.name]));
  return (
    <li>
      <h3>
        Slot {props.slot} <span className="kind">({props.kind})</span>
      </h3>
      {props.plan?.hint && (
        <span>
          In the source organization: {props.plan.hint.name} ({props.plan.hint.kind})
        </span>
      )}
      <span>
        {props.boundTo
          ? `Bound to ${props.boundTo.name}${props.boundTo.status === 'active' ? '' : ` (${props.boundTo.status}: bind another)`}`
          : props.boundId
            ? 'Bound to a resource that no longer exists: bind another'
            : 'Not bound'}
      </span>
      {props.candidates.length === 0 && <span className="notice">No active {props.kind} in this organization: add one first.</span>}
      {props.edit && props.candidates.length > 0 && (
        <div className="row">
          <Select label={`Resource for slot ${props.slot}`} value={choice} options={options} labelOf={(id) => names.get(id) ?? id} onChange={setChoice} />
          <button type="button" disabled={props.busy || !choice || choice === props.boundId} onClick={() => props.onBind(choice, names.get(choice) ?? choice)}>
            Bind<span className="visually-hidden"> slot {props.slot}</span>
          </button>
        </div>
      )}
    </li>
  );
}
