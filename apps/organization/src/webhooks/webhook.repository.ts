import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { webhookDecider } from './webhook.decider';
import { webhooksStream } from './webhook.events';

/** the webhook endpoints of each organization: one stream per organization, one command at a time */
@Injectable()
export class WebhookRepository extends EventSourcedRepository(webhookDecider, webhooksStream, { cacheSize: 10_000 }) {}
