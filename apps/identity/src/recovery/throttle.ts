import { HttpStatus } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ProblemException } from '@lib/platform';

/** takes a point from `key`'s budget, or answers 429 with Retry-After and a problem code */
export async function throttle(limiter: RateLimiterMemory, key: string, message: string, code: string) {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw new ProblemException(HttpStatus.TOO_MANY_REQUESTS, `${message}; try again in ${retryAfter} s`, { code, retryAfterSeconds: retryAfter }, {
      'retry-after': String(retryAfter),
    });
  }
}
