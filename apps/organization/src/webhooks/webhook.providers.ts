import { Provider } from '@nestjs/common';
import { ReadModelDatabase } from '@lib/eventstore';
import { READ_MODELS } from '@lib/service-kit';
import { WebhookDeliveryStore } from './webhook-delivery.store';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookRepository } from './webhook.repository';
import { WebhooksService } from './webhooks.service';

/** what the webhooks feature adds to the organization service */
export const webhookProviders: Provider[] = [
  { provide: WebhookDeliveryStore, inject: [READ_MODELS], useFactory: (readModels: ReadModelDatabase) => new WebhookDeliveryStore(readModels.db) },
  WebhookRepository,
  WebhookDispatcher,
  WebhooksService,
];
