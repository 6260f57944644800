import type { Readable } from 'node:stream';

/**
 * The object storage port: named byte blobs (keys like `org-1/packages/app-1.zip`) with a content type and
 * a little user metadata. Bodies stream in both directions, so an adapter never holds a whole object in
 * memory. Every adapter (filesystem, S3) passes the shared contract suite in ./testing.
 */
export interface PutObjectOptions {
  /** stored and returned by `stat`; default `application/octet-stream` */
  contentType?: string;
  /**
   * the body length in bytes when known in advance; a body of another length is refused with
   * ObjectSizeMismatchError and nothing is stored
   */
  size?: number;
  /**
   * user metadata. Keys are case-insensitive and come back lower-cased (as S3 does); see
   * `validateObjectMetadata` for what is accepted.
   */
  metadata?: Record<string, string>;
}

export interface PutObjectResult {
  key: string;
  /** bytes stored */
  size: number;
  /** the server's entity tag, when the adapter has one (format differs between servers: do not parse it) */
  etag?: string;
  /** hex SHA-256 of the bytes stored, computed while streaming */
  sha256: string;
}

export interface ObjectStat {
  key: string;
  size: number;
  contentType?: string;
  metadata: Record<string, string>;
  lastModified: Date;
}

export interface ObjectStorage {
  /**
   * Stores `body` under `key`, replacing any object there. Readers see either the old object or the new
   * one, never a partial one; a body stream that fails leaves the previous object (or no object) in place.
   */
  put(key: string, body: Buffer | Readable, options?: PutObjectOptions): Promise<PutObjectResult>;
  /** a stream of the object's bytes; ObjectNotFoundError when there is none */
  get(key: string): Promise<Readable>;
  /** ObjectNotFoundError when there is none */
  stat(key: string): Promise<ObjectStat>;
  /** idempotent: deleting a missing key succeeds */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * a URL anyone can GET the object with until it expires, or null when the adapter cannot presign
   * (the filesystem adapter). Does not check that the object exists.
   */
  presignedGetUrl(key: string, expiresInSeconds: number): Promise<string | null>;
  /** readiness probe: resolves when the bucket or directory is reachable */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');

/** longest presigned URL lifetime S3 SigV4 accepts (7 days) */
export const MAX_PRESIGNED_URL_EXPIRY_SECONDS = 7 * 24 * 3600;

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
  }
}

export class InvalidObjectKeyError extends Error {
  override readonly name = 'InvalidObjectKeyError';
  constructor(
    readonly key: unknown,
    readonly reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(typeof key === 'string' && key.length > 80 ? `${key.slice(0, 80)}...` : key)}: ${reason}`);
  }
}

export class InvalidObjectMetadataError extends Error {
  override readonly name = 'InvalidObjectMetadataError';
  constructor(readonly reason: string) {
    super(`invalid object metadata: ${reason}`);
  }
}

/** the body did not have the length announced in `options.size`; nothing was stored */
export class ObjectSizeMismatchError extends Error {
  override readonly name = 'ObjectSizeMismatchError';
  constructor(
    readonly key: string,
    readonly expected: number,
    /** bytes seen so far (the upload stops as soon as the body is longer than announced) */
    readonly actual: number,
  ) {
    super(
      actual > expected
        ? `object ${key}: the body is longer than the announced size of ${expected} bytes`
        : `object ${key}: the body has ${actual} bytes but a size of ${expected} bytes was announced`,
    );
  }
}

/** a call on an adapter after close() */
export class ObjectStorageClosedError extends Error {
  override readonly name = 'ObjectStorageClosedError';
  constructor() {
    super('object storage is closed');
  }
}
