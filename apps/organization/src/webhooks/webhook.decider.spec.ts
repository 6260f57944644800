import { DomainError } from '@lib/eventstore';
import { MAX_WEBHOOK_ENDPOINTS, WebhookCommand, webhookDecider } from './webhook.decider';
import { WebhookEvent } from './webhook.events';

const at = '2026-01-01T00:00:00.000Z';
const by = { kind: 'user' as const, userId: 'usr-admin' };
const organizationId = 'org-us-1';
const sealed = (n: number) => ({ iv: `iv${n}`, ciphertext: `c${n}`, tag: `t${n}` });
const registered = (endpointId: string): WebhookEvent => ({
  type: 'WebhookEndpointRegistered',
  data: { organizationId, endpointId, url: 'https://hooks.example.com/a', eventTypes: [], description: '', secret: sealed(1), by, at },
});
const disabled = (endpointId: string): WebhookEvent => ({
  type: 'WebhookEndpointDisabled',
  data: { organizationId, endpointId, reason: 'failing', by: { kind: 'system' }, at },
});
const deleted = (endpointId: string): WebhookEvent => ({ type: 'WebhookEndpointDeleted', data: { organizationId, endpointId, by, at } });

type Body = WebhookCommand extends infer C ? (C extends WebhookCommand ? Omit<C, 'at' | 'actor' | 'organizationId'> : never) : never;

/** given these events, when this command: the events it decides (or the error it throws) */
function when(given: WebhookEvent[], command: Body) {
  const state = given.reduce((s, e) => webhookDecider.evolve(s, e), webhookDecider.initialState());
  return webhookDecider.decide({ ...command, organizationId, at, actor: by } as WebhookCommand, state);
}
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return 'no error';
};

describe('webhook endpoints decider', () => {
  it('registers an endpoint with its sealed secret', () => {
    expect(when([], { type: 'RegisterWebhookEndpoint', endpointId: 'whe-1', url: 'https://x.example/h', eventTypes: ['MemberAdded'], description: 'crm', secret: sealed(1) })).toEqual([
      {
        type: 'WebhookEndpointRegistered',
        data: { organizationId, endpointId: 'whe-1', url: 'https://x.example/h', eventTypes: ['MemberAdded'], description: 'crm', secret: sealed(1), by, at },
      },
    ]);
  });

  it.each([
    ['a taken id', [registered('whe-1')], { type: 'RegisterWebhookEndpoint', endpointId: 'whe-1', url: 'https://x', eventTypes: [], description: '', secret: sealed(2) }, 'webhook-endpoint-exists'],
    [
      'more than the limit',
      Array.from({ length: MAX_WEBHOOK_ENDPOINTS }, (_, i) => registered(`whe-${i}`)),
      { type: 'RegisterWebhookEndpoint', endpointId: 'whe-new', url: 'https://x', eventTypes: [], description: '', secret: sealed(2) },
      'webhook-endpoint-limit',
    ],
    ['an unknown endpoint', [], { type: 'DisableWebhookEndpoint', endpointId: 'whe-x', reason: 'r' }, 'webhook-endpoint-not-found'],
    ['a deleted endpoint', [registered('whe-1'), deleted('whe-1')], { type: 'RotateWebhookSecret', endpointId: 'whe-1', secret: sealed(3) }, 'webhook-endpoint-deleted'],
    ['updating a deleted endpoint', [registered('whe-1'), deleted('whe-1')], { type: 'UpdateWebhookEndpoint', endpointId: 'whe-1', description: 'x' }, 'webhook-endpoint-deleted'],
  ] as [string, WebhookEvent[], Body, string][])('refuses %s', (_name, given, command, expected) => {
    expect(code(() => when(given, command))).toBe(expected);
  });

  it('decides nothing for what is already so (disable twice, enable an active one, an update that changes nothing)', () => {
    expect(when([registered('whe-1'), disabled('whe-1')], { type: 'DisableWebhookEndpoint', endpointId: 'whe-1', reason: 'again' })).toEqual([]);
    expect(when([registered('whe-1')], { type: 'EnableWebhookEndpoint', endpointId: 'whe-1' })).toEqual([]);
    expect(when([registered('whe-1')], { type: 'UpdateWebhookEndpoint', endpointId: 'whe-1', url: 'https://hooks.example.com/a' })).toEqual([]);
  });

  it('keeps why an endpoint is disabled until it is enabled again', () => {
    const state = [registered('whe-1'), disabled('whe-1')].reduce((s, e) => webhookDecider.evolve(s, e), webhookDecider.initialState());
    expect(state.endpoints.get('whe-1')).toMatchObject({ status: 'disabled', disabledReason: 'failing', disabledAt: at });
    expect(when([registered('whe-1'), disabled('whe-1')], { type: 'EnableWebhookEndpoint', endpointId: 'whe-1' })[0].type).toBe('WebhookEndpointEnabled');
  });

  it('updates, rotates and deletes', () => {
    expect(when([registered('whe-1')], { type: 'UpdateWebhookEndpoint', endpointId: 'whe-1', eventTypes: ['MemberRemoved'] })).toEqual([
      {
        type: 'WebhookEndpointUpdated',
        data: { organizationId, endpointId: 'whe-1', url: 'https://hooks.example.com/a', eventTypes: ['MemberRemoved'], description: '', by, at },
      },
    ]);
    expect(when([registered('whe-1')], { type: 'RotateWebhookSecret', endpointId: 'whe-1', secret: sealed(9) })[0].data).toMatchObject({ secret: sealed(9) });
    const afterDelete = [registered('whe-1'), deleted('whe-1')].reduce((s, e) => webhookDecider.evolve(s, e), webhookDecider.initialState());
    expect(afterDelete.endpoints.size).toBe(0);
    // a deleted endpoint frees its place under the limit
    const many = [...Array.from({ length: MAX_WEBHOOK_ENDPOINTS }, (_, i) => registered(`whe-${i}`)), deleted('whe-0')];
    expect(when(many, { type: 'RegisterWebhookEndpoint', endpointId: 'whe-new', url: 'https://x', eventTypes: [], description: '', secret: sealed(2) })).toHaveLength(1);
  });
});
