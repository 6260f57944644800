import type { Readable } from 'node:stream';

/**
 * put takes ownership of a body stream: when the put fails, the stream is destroyed so its source is released.
 * Destroyed without an error, so a caller that does not listen for 'error' is not crashed by our failure.
 */
export function releaseBody(body: unknown): void {
  if (body && !Buffer.isBuffer(body) && typeof (body as Readable).destroy === 'function' && !(body as Readable).destroyed) {
    (body as Readable).destroy();
  }
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
