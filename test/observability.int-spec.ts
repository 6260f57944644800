import { Flow } from './support/flow';
import { OPERATOR_TOKEN, startApp } from './support/harness';

describe('observability', () => {
  it('echoes request and correlation ids, stores the correlation id with the events, and serves Prometheus metrics', async () => {
    const metricsToken = 'metrics-token-0123456789abcdefghijklmnop';
    const app = await startApp({ METRICS_TOKEN: metricsToken });
    try {
      const flow = new Flow(app);
      await flow.user('obs@example.com');
      const res = await app.request('POST', '/v1/organizations', {
        token: OPERATOR_TOKEN,
        body: { name: 'Observed', region: 'us', admin: { email: 'obs@example.com' } },
        headers: { 'x-correlation-id': 'corr-observed-1', 'x-request-id': 'req-1' },
      });
      expect(res.status).toBe(201);
      expect(res.headers['x-correlation-id']).toBe('corr-observed-1');
      expect(res.headers['x-request-id']).toBe('req-1');
      const events = await app.organization.store.readStream(`organization-${res.body.id}`);
      expect(events.map((e) => e.metadata.correlationId)).toEqual(events.map(() => 'corr-observed-1'));
      // a correlation id that is not a plain token is replaced by the request id
      const odd = await app.request('GET', '/v1/permissions', { headers: { 'x-correlation-id': 'bad id with spaces' } });
      expect(odd.headers['x-correlation-id']).toBe(odd.headers['x-request-id']);

      await app.organization.relay.flush();
      // not public on the API port: only with METRICS_TOKEN
      expect((await app.request('GET', '/metrics')).status).toBe(404);
      const metrics = await app.request('GET', '/metrics', { token: metricsToken });
      expect(metrics.status).toBe(200);
      const text = String(metrics.body);
      expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/organizations",status="201"\} \d+/);
      expect(text).toMatch(/events_appended_total\{service="organization"\} [1-9]/);
      expect(text).toMatch(/relay_lag_events\{service="organization"\} 0/);
      expect(text).toMatch(/projection_position\{service="organization"\} [1-9]/);
      expect(text).toMatch(/integration_events_consumed_total\{service="identity",topic="organization.events.v1"\} [1-9]/);
      expect(text).toContain('dead_letters_total');
      expect(text).toMatch(/catchup_events_behind\{service="organization",reader="relay"\} 0/);
      expect(text).toMatch(/catchup_events_behind\{service="organization",reader="read-models"\} 0/);
      expect(text).toMatch(/catchup_events_per_second\{service="organization",reader="relay"\} [0-9.]+/);
      expect(text).toMatch(/catchup_eta_seconds\{service="identity",reader="relay"\} 0/);

      const ready = await app.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details['organization.relay']).toMatchObject({ status: 'up', lag: 0, behind: 0, etaSeconds: 0 });
      expect(ready.body.details['organization.read-models']).toMatchObject({ status: 'up', behind: 0, etaSeconds: 0 });
      expect(ready.body.details['organization.relay'].ratePerSecond).toBeGreaterThanOrEqual(0);
    } finally {
      await app.close();
    }
  }, 60_000);
});
