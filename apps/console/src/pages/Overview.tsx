import { api } from '../api/api';
import { session } from '../session';
import { Alert, Title, useLoad } from '../ui';

export function Overview({ org }: { org: string }) {
  const organization = useLoad(() => api.organization(org), [org]);
  const role = session.role();
  const matrix = session.get().matrix;
  const allowed = matrix?.permissions.filter((p) => role && p.roles.includes(role)).map((p) => p.permission) ?? [];
  return (
    <>
      <Title>{organization.data?.name ?? 'Organization'}</Title>
      <Alert>{organization.error}</Alert>
      {organization.data && (
        <dl className="facts">
          <dt>Region</dt>
          <dd>{organization.data.region}</dd>
          <dt>Status</dt>
          <dd>{organization.data.status}</dd>
          <dt>Members</dt>
          <dd>{organization.data.memberCount}</dd>
          <dt>Your role</dt>
          <dd>{role}</dd>
        </dl>
      )}
      <h2>What your role allows</h2>
      <ul className="permissions">
        {allowed.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </>
  );
}
