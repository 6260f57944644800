import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { WebhookCommand, webhookDecider, WebhooksState } from './webhook.decider';
import { WebhookEvent, webhooksStream } from './webhook.events';

/** the webhook endpoints of each organization: one stream per organization, one command at a time */
@Injectable()
export class WebhookRepository extends AggregateRepository<WebhookCommand, WebhookEvent, WebhooksState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, webhookDecider, webhooksStream, { cacheSize: 10_000 });
  }
}
