import {
  InvalidObjectKeyError,
  InvalidObjectMetadataError,
  MAX_PRESIGNED_URL_EXPIRY_SECONDS,
} from './object-storage.port';

export const MAX_OBJECT_KEY_LENGTH = 512;
/** S3's own limit on a key, in UTF-8 bytes (512 characters outside ASCII can exceed it) */
export const MAX_OBJECT_KEY_BYTES = 1024;
/**
 * limit on one `/`-separated segment, in UTF-8 bytes. S3 has none, but servers that keep objects as files
 * do: MinIO refuses segments over 255 bytes, and S3Proxy's filesystem backend answers HTTP 500 above 218
 * (it writes `<segment>-<uuid>` temp files, and file names stop at 255 bytes).
 */
export const MAX_OBJECT_KEY_SEGMENT_BYTES = 200;
/** S3's limit on user metadata: keys plus values, in bytes */
export const MAX_METADATA_BYTES = 2048;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses keys that could escape a directory or that adapters would store differently:
 * empty, over 512 characters (or 1024 UTF-8 bytes), a segment over 200 UTF-8 bytes, a leading `/`, a
 * trailing `/`, an empty or `.` segment (`a//b`, `a/./b`), `..` anywhere, a backslash, control characters,
 * invalid UTF-16.
 */
export function validateObjectKey(key: unknown): asserts key is string {
  const refuse = (reason: string): never => {
    throw new InvalidObjectKeyError(key, reason);
  };
  if (typeof key !== 'string') refuse('must be a string');
  const k = key as string;
  if (k.length === 0) refuse('must not be empty');
  if (k.length > MAX_OBJECT_KEY_LENGTH) refuse(`must be at most ${MAX_OBJECT_KEY_LENGTH} characters`);
  if (LONE_SURROGATE.test(k)) refuse('must be valid Unicode');
  if (Buffer.byteLength(k, 'utf8') > MAX_OBJECT_KEY_BYTES) refuse(`must be at most ${MAX_OBJECT_KEY_BYTES} bytes in UTF-8`);
  if (k.startsWith('/')) refuse('must not start with "/"');
  if (k.endsWith('/')) refuse('must not end with "/"');
  if (k.includes('\\')) refuse('must not contain a backslash');
  if (k.includes('..')) refuse('must not contain ".."');
  if (CONTROL.test(k)) refuse('must not contain control characters');
  const segments = k.split('/');
  if (segments.some((segment) => segment === '' || segment === '.')) refuse('must not contain an empty or "." segment');
  if (segments.some((segment) => Buffer.byteLength(segment, 'utf8') > MAX_OBJECT_KEY_SEGMENT_BYTES)) {
    refuse(`each "/"-separated segment must be at most ${MAX_OBJECT_KEY_SEGMENT_BYTES} bytes in UTF-8`);
  }
}

const METADATA_KEY = /^[a-z0-9][a-z0-9_-]{0,127}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** header names the S3 client sends as themselves rather than as `x-amz-meta-*`, so `stat` could not tell them apart */
const RESERVED_METADATA_KEYS = new Set([
  'content-type',
  'content-length',
  'content-md5',
  'cache-control',
  'content-encoding',
  'content-disposition',
  'content-language',
  'expires',
  'if-match',
  'if-none-match',
  'etag',
  'last-modified',
]);

/**
 * Returns the metadata with lower-cased keys (S3 lower-cases them), or throws InvalidObjectMetadataError.
 * Keys: `[a-z0-9][a-z0-9_-]*` up to 128 characters after lower-casing, not a standard header name, not
 * `x-amz-*`. Values: printable ASCII (HTTP headers carry them; percent-encode anything else), no leading or
 * trailing spaces. Keys plus values at most 2 KB.
 */
export function normalizeObjectMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (metadata === undefined || metadata === null) return out;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new InvalidObjectMetadataError('must be an object of strings');
  let bytes = 0;
  for (const [rawKey, value] of Object.entries(metadata)) {
    const key = rawKey.toLowerCase();
    if (!METADATA_KEY.test(key)) {
      throw new InvalidObjectMetadataError(`key ${JSON.stringify(rawKey)} must match [a-z0-9][a-z0-9_-]* (at most 128 characters)`);
    }
    if (RESERVED_METADATA_KEYS.has(key) || key.startsWith('x-amz-')) {
      throw new InvalidObjectMetadataError(`key ${JSON.stringify(rawKey)} is reserved`);
    }
    if (key in out) throw new InvalidObjectMetadataError(`key ${JSON.stringify(rawKey)} appears twice once lower-cased`);
    if (typeof value !== 'string') throw new InvalidObjectMetadataError(`value of ${JSON.stringify(rawKey)} must be a string`);
    if (!PRINTABLE_ASCII.test(value)) {
      throw new InvalidObjectMetadataError(`value of ${JSON.stringify(rawKey)} must be printable ASCII (percent-encode other text)`);
    }
    if (value !== value.trim()) throw new InvalidObjectMetadataError(`value of ${JSON.stringify(rawKey)} must not start or end with a space`);
    bytes += key.length + value.length;
    out[key] = value;
  }
  if (bytes > MAX_METADATA_BYTES) throw new InvalidObjectMetadataError(`keys and values take ${bytes} bytes, more than ${MAX_METADATA_BYTES}`);
  return out;
}

const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

export function normalizeContentType(contentType: string | undefined): string {
  if (contentType === undefined) return DEFAULT_CONTENT_TYPE;
  if (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType) || contentType !== contentType.trim()) {
    throw new InvalidObjectMetadataError(`content type ${JSON.stringify(contentType)} must be printable ASCII, at most 255 characters`);
  }
  return contentType;
}

export function validateExpectedSize(size: number | undefined): void {
  if (size === undefined) return;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a non-negative integer, got ${String(size)}`);
}

export function validatePresignExpiry(expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_URL_EXPIRY_SECONDS) {
    throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_PRESIGNED_URL_EXPIRY_SECONDS}, got ${String(expiresInSeconds)}`);
  }
}
