import { useState } from 'react';
import { api } from '../api/api';
import type { AuditEntry } from '../api/types';
import { Alert, Field, Pager, Title, useLoad, Table } from '../ui';

const PAGE_SIZE = 50;

/** The audit trail (Admins), newest first, in the API's pages; the filter narrows the page being read. */
export function Audit({ org }: { org: string }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [filter, setFilter] = useState('');
  const page = useLoad(() => api.audit(org, cursors[cursors.length - 1], PAGE_SIZE), [org, cursors]);
  const needle = filter.trim().toLowerCase();
  const rows = (page.data?.items ?? []).filter((e) => !needle || text(e).includes(needle));
  return (
    <>
      <Title>Audit</Title>
      <Field label="Filter this page by action, actor or subject" value={filter} onChange={setFilter} />
      <Alert>{page.error}</Alert>
      <Table caption="Audit entries, newest first" columns={['When', 'Action', 'Subject', 'Actor', 'Details']}>
        {rows.map((e) => (
          <tr key={e.revision}>
            <td>{new Date(e.at).toLocaleString()}</td>
            <td>{e.action}</td>
            <td>{e.subject}</td>
            <td>{e.actor}</td>
            <td>
              <code>{JSON.stringify(e.details)}</code>
            </td>
          </tr>
        ))}
      </Table>
      <Pager
        label="Audit pages"
        page={cursors.length - 1}
        hasPrevious={cursors.length > 1}
        hasNext={Boolean(page.data?.nextCursor)}
        onPrevious={() => setCursors(cursors.slice(0, -1))}
        onNext={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
      />
    </>
  );
}

function text(e: AuditEntry) {
  return `${e.action} ${e.actor} ${e.subject} ${JSON.stringify(e.details)}`.toLowerCase();
}
