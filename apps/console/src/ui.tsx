import { useCallback, useEffect, useId, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { session } from './session';

export function useSession() {
  return useSyncExternalStore(session.subscribe, session.get);
}

/** loads data on mount and whenever `deps` change; `reload` runs it again after a change */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error: error.message, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]); // `load` is a new closure on every render: `deps` say when it changed
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** runs a change, remembering its refusal (in words) or a confirmation for the status line */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (action: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await action();
      if (done) setStatus(done);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, status, busy, run, setError };
}

export function Alert({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="alert" role="alert">
      {children}
    </p>
  );
}

export function Status({ children }: { children: ReactNode }) {
  return (
    <p className="status" role="status" aria-live="polite">
      {children}
    </p>
  );
}

export function Field(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  hint?: string;
  placeholder?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        placeholder={props.placeholder}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint && (
        <small id={`${id}-hint`} className="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** a new password, with the rule people are told before they are refused */
export function NewPasswordField(props: { label?: string; value: string; onChange: (value: string) => void }) {
  return (
    <Field
      label={props.label ?? 'Password'}
      type="password"
      value={props.value}
      onChange={props.onChange}
      required
      autoComplete="new-password"
      hint="At least 12 characters; a passphrase of a few words is best."
    />
  );
}

/** a form's last row: what went wrong (if anything), then its submit button, disabled while the action runs */
export function Submit({ action, children }: { action: { error: string | null; busy: boolean }; children: ReactNode }) {
  return (
    <>
      <Alert>{action.error}</Alert>
      <button type="submit" disabled={action.busy}>
        {children}
      </button>
    </>
  );
}

/**
 * A data table with its (visually hidden) caption, which names it for screen readers, and its column headers; a
 * column given as `false` (e.g. "Actions" for someone who may not act) is left out. The rows are the children.
 */
export function Table({ caption, columns, children }: { caption: string; columns: (string | false)[]; children: ReactNode }) {
  return (
    <table>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns
            .filter((c): c is string => c !== false)
            .map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

export function Select<T extends string>(props: {
  label: string;
  value: T;
  options: readonly T[];
  onChange: (value: T) => void;
  hideLabel?: boolean;
  labelOf?: (value: T) => string;
}) {
  const id = useId();
  return (
    <div className={props.hideLabel ? 'field inline' : 'field'}>
      <label htmlFor={id} className={props.hideLabel ? 'visually-hidden' : undefined}>
        {props.label}
      </label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {props.labelOf ? props.labelOf(o) : o}
          </option>
        ))}
      </select>
    </div>
  );
}

/** the page title, focused when the page opens so screen readers announce the navigation */
export function Title({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${typeof children === 'string' ? children : 'Console'} · Console`;
  }, [children]);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

/** client-side paging over a list the API returns whole */
export function usePages<T>(items: T[], pageSize: number) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const current = Math.min(page, pages - 1);
  return { rows: items.slice(current * pageSize, (current + 1) * pageSize), page: current, pages, setPage };
}

export function Pager(props: { label: string; page: number; pages?: number; hasPrevious: boolean; hasNext: boolean; onPrevious: () => void; onNext: () => void }) {
  return (
    <nav className="pager" aria-label={props.label}>
      <button type="button" onClick={props.onPrevious} disabled={!props.hasPrevious}>
        Previous page
      </button>
      <span>
        Page {props.page + 1}
        {props.pages ? ` of ${props.pages}` : ''}
      </span>
      <button type="button" onClick={props.onNext} disabled={!props.hasNext}>
        Next page
      </button>
    </nav>
  );
}

export function statusLabel(status: string) {
  return status.replace(/-/g, ' ');
}

/** "a Developer", "an Admin" */
export function article(role: string) {
  return /^[AEIOU]/.test(role) ? 'an' : 'a';
}
