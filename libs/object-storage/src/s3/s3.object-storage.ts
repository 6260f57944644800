import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { Client } from 'minio';
import { BodyMeter } from '../internal/body';
import { errorCode, releaseBody } from '../internal/util';
import { normalizeContentType, normalizeObjectMetadata, validateExpectedSize, validateObjectKey, validatePresignExpiry } from '../object-key';
import { ObjectNotFoundError, ObjectStat, ObjectStorage, ObjectStorageClosedError, PutObjectOptions, PutObjectResult } from '../object-storage.port';

export interface S3ObjectStorageOptions {
  /** host name or IP, without scheme or port */
  endPoint: string;
  /** default 443 with SSL, 80 without */
  port?: number;
  /** default true */
  useSSL?: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** default `us-east-1`; set so the client never asks the server for the bucket's region */
  region?: string;
  /**
   * bytes per multipart part, at least 5 MiB (default 16 MiB). A body up to this size goes up in one PUT;
   * a longer one, or one of unknown size longer than this, in parts. It is also the most a put holds in
   * memory, and partSize * 10,000 is the largest object a put accepts.
   */
  partSize?: number;
  /** path-style URLs (`http://host/bucket/key`), default true; false for virtual-hosted buckets */
  pathStyle?: boolean;
  /** ping() gives up after this long (default 5000 ms); the minio client has no request timeout of its own */
  pingTimeoutMs?: number;
}

const MiB = 1024 * 1024;
export const S3_MIN_PART_SIZE = 5 * MiB;
export const S3_DEFAULT_PART_SIZE = 16 * MiB;
export const S3_MAX_PARTS = 10_000;
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);

/**
 * Objects in an S3 bucket, through the `minio` client (v8). Puts stream: the body is read one part at a
 * time, hashed as it goes, sent in one PUT when it fits in a part and as a multipart upload otherwise.
 *
 * Multipart is driven here (initiate, uploadPart, complete, abort) rather than by `Client.putObject`, which
 * for a stream (minio 8.0.7): resumes *any* unfinished upload of the same key it finds on the server, so a
 * concurrent put of the same key fails with `InvalidPart`; never hears of an error in the body stream, so
 * its promise hangs forever and the unfinished upload stays on the server; and, without a size, cuts 5 TiB
 * / 10,000 = 528 MiB parts unless `partSize` was set.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly bucket: string;
  readonly region: string;
  readonly partSize: number;
  readonly client: Client;
  private readonly agent: http.Agent;
  private readonly pingTimeoutMs: number;
  private closed = false;

  constructor(options: S3ObjectStorageOptions) {
    for (const field of ['endPoint', 'accessKey', 'secretKey', 'bucket'] as const) {
      if (!options?.[field]) throw new TypeError(`S3ObjectStorage needs ${field}`);
    }
    this.bucket = options.bucket;
    this.region = options.region || 'us-east-1';
    this.partSize = options.partSize ?? S3_DEFAULT_PART_SIZE;
    if (!Number.isInteger(this.partSize) || this.partSize < S3_MIN_PART_SIZE || this.partSize > 5 * 1024 * MiB) {
      throw new RangeError(`partSize must be an integer from 5 MiB to 5 GiB, got ${options.partSize}`);
    }
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
    const useSSL = options.useSSL ?? true;
    this.agent = useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.client = new Client({
      endPoint: options.endPoint,
      port: options.port,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: this.region,
      partSize: this.partSize,
      pathStyle: options.pathStyle ?? true,
      transportAgent: this.agent,
    });
  }

  /** creates the bucket when it does not exist (safe to call from several processes at once) */
  async ensureBucket(): Promise<void> {
    this.assertOpen();
    if (await this.client.bucketExists(this.bucket)) return;
    try {
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      if (errorCode(error) !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }

  async put(key: string, body: Buffer | Readable, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    let uploadId: string | undefined;
    try {
      this.assertOpen();
      validateObjectKey(key);
      const headers: Record<string, string> = { 'Content-Type': normalizeContentType(options.contentType) };
      for (const [name, value] of Object.entries(normalizeObjectMetadata(options.metadata))) headers[`x-amz-meta-${name}`] = value;
      validateExpectedSize(options.size);
      const maxSize = this.partSize * S3_MAX_PARTS;
      if (options.size !== undefined && options.size > maxSize) {
        throw new RangeError(`object ${key}: ${options.size} bytes is more than partSize * ${S3_MAX_PARTS} = ${maxSize}`);
      }

      const meter = new BodyMeter(key, options.size);
      const pending = new PartBuffer();
      const parts: { part: number; etag: string }[] = [];
      const uploadPart = async (part: Buffer) => {
        uploadId ??= await this.client.initiateNewMultipartUpload(this.bucket, key, { ...headers });
        const partNumber = parts.length + 1;
        if (partNumber > S3_MAX_PARTS) throw new RangeError(`object ${key}: more than ${S3_MAX_PARTS} parts of ${this.partSize} bytes`);
        const md5 = createHash('md5').update(part).digest('base64');
        const { etag } = await this.client.uploadPart(
          { bucketName: this.bucket, objectName: key, uploadID: uploadId, partNumber, headers: { 'Content-MD5': md5 } },
          part,
        );
        parts.push({ part: partNumber, etag });
      };

      // a part is sent only once the body is known to go on past it, so a body of exactly partSize is one PUT
      for await (const chunk of meter.chunks(body)) {
        pending.push(chunk);
        while (pending.length > this.partSize) await uploadPart(pending.take(this.partSize));
      }
      const sha256 = meter.sha256();
      let etag: string | undefined;
      if (uploadId === undefined) {
        const whole = pending.take(pending.length);
        ({ etag } = await this.client.putObject(this.bucket, key, whole, whole.length, { ...headers }));
      } else {
        if (pending.length > 0) await uploadPart(pending.take(pending.length));
        ({ etag } = await this.client.completeMultipartUpload(this.bucket, key, uploadId, parts));
        uploadId = undefined;
      }
      return { key, size: meter.size, etag: etag || undefined, sha256 };
    } catch (error) {
      releaseBody(body);
      if (uploadId !== undefined) await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    this.assertOpen();
    validateObjectKey(key);
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      throw this.mapNotFound(error, key);
    }
  }

  async stat(key: string): Promise<ObjectStat> {
    this.assertOpen();
    validateObjectKey(key);
    try {
      const info = await this.client.statObject(this.bucket, key);
      const headers = info.metaData as Record<string, string>;
      return {
        key,
        size: info.size,
        contentType: headers['content-type'] || undefined,
        metadata: userMetadata(headers),
        lastModified: info.lastModified,
      };
    } catch (error) {
      throw this.mapNotFound(error, key);
    }
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    validateObjectKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      if (!NOT_FOUND_CODES.has(errorCode(error) ?? '')) throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.stat(key);
      return true;
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return false;
      throw error;
    }
  }

  async presignedGetUrl(key: string, expiresInSeconds: number): Promise<string | null> {
    this.assertOpen();
    validateObjectKey(key);
    validatePresignExpiry(expiresInSeconds);
    return this.client.presignedGetObject(this.bucket, key, expiresInSeconds);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`S3 ping: no answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    });
    try {
      const found = await Promise.race([this.client.bucketExists(this.bucket), timeout]);
      if (!found) throw new Error(`S3 bucket ${this.bucket} does not exist`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.agent.destroy();
  }

  private assertOpen() {
    if (this.closed) throw new ObjectStorageClosedError();
  }

  private mapNotFound(error: unknown, key: string): unknown {
    return NOT_FOUND_CODES.has(errorCode(error) ?? '') ? new ObjectNotFoundError(key) : error;
  }
}

/** `statObject` mixes standard headers into its metadata; user keys are the rest (reserved names are refused on put) */
const STANDARD_HEADERS = new Set([
  'content-type',
  'cache-control',
  'content-encoding',
  'content-disposition',
  'content-language',
  'if-match',
  'if-none-match',
  'x-amz-website-redirect-location',
  'x-amz-storage-class',
  'x-amz-acl',
]);

function userMetadata(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (STANDARD_HEADERS.has(lower) || lower.startsWith('x-amz-')) continue;
    out[lower] = String(value);
  }
  return out;
}

/** bytes read from the body and not yet sent, taken out in parts (without copying when one chunk suffices) */
class PartBuffer {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer) {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first.length >= n) {
      const head = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.length -= n;
      return head;
    }
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0];
      const need = n - offset;
      if (chunk.length <= need) {
        chunk.copy(out, offset);
        offset += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, offset, 0, need);
        this.chunks[0] = chunk.subarray(need);
        offset += need;
      }
    }
    this.length -= n;
    return out;
  }
}
