import { z } from 'zod';

const DAY = 24 * 3600;

/** the webhook settings of the organization service (validated at boot with the rest of its configuration) */
export const webhookConfigShape = {
  /** deliver to (and accept) endpoints on loopback, private and link-local addresses: local development and tests only */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'], { message: "must be 'true' or 'false'" })
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * seconds to wait before each retry after a failed attempt; the default (Standard Webhooks' suggestion)
   * retries 7 times over about 27 hours: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
   */
  WEBHOOK_RETRY_SCHEDULE_SECONDS: z
    .string()
    .default('5,300,1800,7200,18000,36000,36000')
    .transform((v) => v.split(',').map((s) => Number(s.trim())))
    .pipe(z.array(z.number().positive('each delay must be a positive number of seconds').max(7 * DAY)).min(0).max(20)),
  /** an endpoint whose attempts have all failed for this long is disabled (default 5 days) */
  WEBHOOK_DISABLE_AFTER_SECONDS: z.coerce.number().positive().max(365 * DAY).default(5 * DAY),
  /** one attempt, connection to the end of the answer */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** bytes of an answer read at most (the rest is dropped with the connection) */
  WEBHOOK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(0).max(1024 * 1024).default(64 * 1024),
  /**
   * events older than this when the worker reads them are not delivered (a replica taking over delivery with an
   * empty queue does not replay the whole history); longer than the retry schedule
   */
  WEBHOOK_MAX_EVENT_AGE_SECONDS: z.coerce.number().positive().max(365 * DAY).default(3 * DAY),
};

export interface WebhookSettings {
  WEBHOOK_ALLOW_PRIVATE: boolean;
  WEBHOOK_RETRY_SCHEDULE_SECONDS: number[];
  WEBHOOK_DISABLE_AFTER_SECONDS: number;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_MAX_RESPONSE_BYTES: number;
  WEBHOOK_MAX_EVENT_AGE_SECONDS: number;
}
