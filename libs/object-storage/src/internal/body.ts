import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ObjectSizeMismatchError } from '../object-storage.port';

/** running totals of a body being streamed: bytes seen and their SHA-256 */
export class BodyMeter {
  size = 0;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly key: string,
    private readonly expectedSize: number | undefined,
  ) {}

  /**
   * Yields the body's chunks as Buffers, one at a time (a Readable is pulled, never read ahead), hashing and
   * counting them. Throws ObjectSizeMismatchError as soon as the body is longer than announced, or at the
   * end when it is shorter. Stopping the iteration early destroys the Readable.
   */
  async *chunks(body: Buffer | Readable): AsyncGenerator<Buffer> {
    if (Buffer.isBuffer(body)) {
      this.count(body);
    } else if (body && typeof (body as Readable)[Symbol.asyncIterator] === 'function') {
      for await (const raw of body) {
        const chunk = toBuffer(raw);
        if (chunk.length === 0) continue;
        this.count(chunk);
        yield chunk;
      }
      this.checkEnd();
      return;
    } else {
      throw new TypeError('body must be a Buffer or a Readable stream');
    }
    this.checkEnd();
    if (body.length > 0) yield body;
  }

  /** hex SHA-256 of everything yielded; call once, after the iteration is complete */
  sha256(): string {
    return this.hash.digest('hex');
  }

  private count(chunk: Buffer) {
    this.size += chunk.length;
    if (this.expectedSize !== undefined && this.size > this.expectedSize) {
      throw new ObjectSizeMismatchError(this.key, this.expectedSize, this.size);
    }
    this.hash.update(chunk);
  }

  private checkEnd() {
    if (this.expectedSize !== undefined && this.size !== this.expectedSize) {
      throw new ObjectSizeMismatchError(this.key, this.expectedSize, this.size);
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`body stream yielded a ${typeof chunk}, expected bytes`);
}
