import { join } from 'node:path';
import { FilesystemObjectStorage } from './filesystem/filesystem.object-storage';
import { ObjectStorage } from './object-storage.port';
import { S3ObjectStorage, S3ObjectStorageOptions } from './s3/s3.object-storage';

/**
 * Settings read by createObjectStorage, as plain values (strings from the environment are fine); the caller
 * reads the environment, this library never does.
 */
export interface ObjectStorageConfig {
  /** `filesystem` (default) or `s3` */
  OBJECT_STORAGE?: string;
  /** filesystem: objects go to `<dataDir>/objects` */
  dataDir?: string;
  /** s3: endpoint URL, e.g. `http://127.0.0.1:9000` (scheme, host, optional port; no path) */
  S3_ENDPOINT?: string;
  S3_ACCESS_KEY?: string;
  S3_SECRET_KEY?: string;
  S3_BUCKET?: string;
  /** default us-east-1 */
  S3_REGION?: string;
  /** bytes per multipart part (default 16 MiB, at least 5 MiB) */
  S3_PART_SIZE?: string | number;
  /** `false` for virtual-hosted-style bucket URLs (default: path-style) */
  S3_PATH_STYLE?: string | boolean;
}

export class ObjectStorageConfigError extends Error {
  override readonly name = 'ObjectStorageConfigError';
}

/**
 * Builds the configured adapter. Nothing is contacted: for S3, call `ensureBucket()` (if the service may
 * create its bucket) and register `ping()` as a readiness check.
 */
export function createObjectStorage(config: ObjectStorageConfig): ObjectStorage {
  const kind = (config.OBJECT_STORAGE ?? 'filesystem').trim().toLowerCase() || 'filesystem';
  if (kind === 'filesystem') {
    if (!config.dataDir) throw new ObjectStorageConfigError('OBJECT_STORAGE=filesystem needs dataDir');
    return new FilesystemObjectStorage({ directory: join(config.dataDir, 'objects') });
  }
  if (kind === 's3') return new S3ObjectStorage(s3OptionsFromConfig(config));
  throw new ObjectStorageConfigError(`OBJECT_STORAGE must be "filesystem" or "s3", got ${JSON.stringify(config.OBJECT_STORAGE)}`);
}

export function s3OptionsFromConfig(config: ObjectStorageConfig): S3ObjectStorageOptions {
  const missing = (['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET'] as const).filter((name) => !config[name]);
  if (missing.length > 0) throw new ObjectStorageConfigError(`OBJECT_STORAGE=s3 needs ${missing.join(', ')}`);
  let url: URL;
  try {
    url = new URL(config.S3_ENDPOINT as string);
  } catch {
    throw new ObjectStorageConfigError(`S3_ENDPOINT must be a URL like http://127.0.0.1:9000, got ${JSON.stringify(config.S3_ENDPOINT)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ObjectStorageConfigError(`S3_ENDPOINT must start with http:// or https://, got ${JSON.stringify(config.S3_ENDPOINT)}`);
  }
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash || url.username || url.password) {
    throw new ObjectStorageConfigError(`S3_ENDPOINT must be scheme://host[:port] only (no path, query or credentials), got ${JSON.stringify(config.S3_ENDPOINT)}`);
  }
  const useSSL = url.protocol === 'https:';
  let partSize: number | undefined;
  if (config.S3_PART_SIZE !== undefined && config.S3_PART_SIZE !== '') {
    partSize = Number(config.S3_PART_SIZE);
    if (!Number.isInteger(partSize) || partSize < 5 * 1024 * 1024) {
      throw new ObjectStorageConfigError(`S3_PART_SIZE must be a whole number of bytes, at least 5 MiB (5242880), got ${JSON.stringify(config.S3_PART_SIZE)}`);
    }
  }
  const pathStyle = config.S3_PATH_STYLE === undefined || config.S3_PATH_STYLE === '' ? true : !['false', '0', 'no'].includes(String(config.S3_PATH_STYLE).toLowerCase());
  return {
    endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: config.S3_ACCESS_KEY as string,
    secretKey: config.S3_SECRET_KEY as string,
    bucket: config.S3_BUCKET as string,
    region: config.S3_REGION || undefined,
    partSize,
    pathStyle,
  };
}
