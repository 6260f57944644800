import { randomBytes, randomUUID } from 'node:crypto';
import { createObjectStorage, ObjectStorageConfig } from '../object-storage.factory';
import { ObjectNotFoundError } from '../object-storage.port';
import { failingStream, generated, objectStorageContract, readAll } from '../testing/object-storage.contract';
import { S3ObjectStorage } from './s3.object-storage';

/**
 * Runs against a real S3 API: in CI and locally, the S3Proxy started by scripts/infra/s3-start.sh
 * (http://127.0.0.1:9000, minioadmin/minioadmin, signatures checked). Override with S3_ENDPOINT,
 * S3_ACCESS_KEY, S3_SECRET_KEY. Every run uses a fresh bucket and removes it at the end.
 */
const endpoint = process.env.S3_ENDPOINT || 'http://127.0.0.1:9000';
const accessKey = process.env.S3_ACCESS_KEY || 'minioadmin';
const secretKey = process.env.S3_SECRET_KEY || 'minioadmin';
const bucket = `os-e2e-${Date.now().toString(36)}-${process.pid}`;
const MiB = 1024 * 1024;

const config: ObjectStorageConfig = {
  OBJECT_STORAGE: 's3',
  S3_ENDPOINT: endpoint,
  S3_ACCESS_KEY: accessKey,
  S3_SECRET_KEY: secretKey,
  S3_BUCKET: bucket,
  S3_REGION: 'us-east-1',
  S3_PART_SIZE: String(5 * MiB),
};
const s3 = (overrides: Partial<ObjectStorageConfig> = {}) => createObjectStorage({ ...config, ...overrides }) as S3ObjectStorage;

async function assertServerReachable() {
  try {
    // any HTTP answer will do (an anonymous GET / gets 403)
    const res = await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `The S3 server is not reachable at ${endpoint} (${cause?.code ?? cause?.message ?? String(error)}). ` +
        'Start it with scripts/infra/s3-start.sh (and stop it afterwards with scripts/infra/s3-stop.sh), ' +
        'or point S3_ENDPOINT / S3_ACCESS_KEY / S3_SECRET_KEY at another S3 server.',
      { cause: error },
    );
  }
}

async function removeBucket() {
  const admin = s3();
  try {
    const client = admin.client;
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.listObjectsV2(bucket, '', true);
      stream.on('data', (item) => item.name && names.push(item.name));
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
    for (let i = 0; i < names.length; i += 500) await client.removeObjects(bucket, names.slice(i, i + 500));
    await client.removeBucket(bucket);
  } finally {
    await admin.close();
  }
}

async function incompleteUploads(store: S3ObjectStorage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const stream = store.client.listIncompleteUploads(bucket, prefix, true);
    stream.on('data', (u) => keys.push(u.key));
    stream.on('error', reject);
    stream.on('end', () => resolve());
  });
  return keys;
}

let bucketCreated = false;
beforeAll(async () => {
  await assertServerReachable();
  const admin = s3();
  try {
    await admin.ensureBucket();
    bucketCreated = true;
  } finally {
    await admin.close();
  }
}, 30_000);

afterAll(async () => {
  if (bucketCreated) await removeBucket();
}, 60_000);

objectStorageContract(`s3 (${endpoint}, part size 5 MiB)`, async () => s3(), { presignedUrls: true });

describe('s3 object storage against a real server', () => {
  it('refuses a client with a wrong secret key (signatures are checked), and never reports "not found" for it', async () => {
    const good = s3();
    const key = `auth/${randomUUID()}`;
    await good.put(key, Buffer.from('guarded'));
    const bad = s3({ S3_SECRET_KEY: `${secretKey}-wrong` });
    try {
      await expect(bad.put(`auth/${randomUUID()}`, Buffer.from('x'))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
      await expect(bad.get(key)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
      // HEAD answers carry no body: the client can only say 403
      await expect(bad.stat(key)).rejects.toMatchObject({ code: 'AccessDenied' });
      await expect(bad.exists(key)).rejects.not.toBeInstanceOf(ObjectNotFoundError);
      await expect(bad.ping()).rejects.toMatchObject({ code: 'AccessDenied' });
      const forged = (await bad.presignedGetUrl(key, 60)) as string;
      const res = await fetch(forged);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('SignatureDoesNotMatch');
    } finally {
      await bad.close();
      await good.close();
    }
  });

  it('refuses an unknown access key', async () => {
    const stranger = s3({ S3_ACCESS_KEY: 'nobody', S3_SECRET_KEY: 'nothing' });
    try {
      await expect(stranger.put(`auth/${randomUUID()}`, Buffer.from('x'))).rejects.toMatchObject({ code: 'InvalidAccessKeyId' });
    } finally {
      await stranger.close();
    }
  });

  it('returns the server etag, and sends a body of unknown size over the part size as a multipart upload', async () => {
    const store = s3();
    try {
      const small = await store.put(`etag/${randomUUID()}`, Buffer.from('small'));
      expect(typeof small.etag).toBe('string');
      const prefix = `multipart/${randomUUID()}`;
      const source = generated(11 * MiB + 123, 100_000);
      const big = await store.put(`${prefix}/big`, source.stream);
      expect(big).toMatchObject({ size: 11 * MiB + 123, sha256: source.sha256() });
      expect(typeof big.etag).toBe('string');
      expect(await incompleteUploads(store, prefix)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('aborts the multipart upload when the body fails, leaving nothing unfinished on the server', async () => {
    const store = s3();
    try {
      const prefix = `aborted/${randomUUID()}`;
      await expect(store.put(`${prefix}/x`, failingStream(11 * MiB, 'body broke after two parts'))).rejects.toThrow('body broke after two parts');
      expect(await store.exists(`${prefix}/x`)).toBe(false);
      expect(await incompleteUploads(store, prefix)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('ensureBucket is idempotent; ping fails for a missing bucket and for an unreachable server', async () => {
    const store = s3();
    const missing = s3({ S3_BUCKET: `${bucket}-missing` });
    const unreachable = new S3ObjectStorage({ endPoint: '127.0.0.1', port: 1, useSSL: false, accessKey, secretKey, bucket, pingTimeoutMs: 2000 });
    try {
      await store.ensureBucket();
      await store.ensureBucket();
      await expect(store.ping()).resolves.toBeUndefined();
      await expect(missing.ping()).rejects.toThrow(`S3 bucket ${bucket}-missing does not exist`);
      await expect(missing.get('x')).rejects.toMatchObject({ code: 'NoSuchBucket' });
      await expect(unreachable.ping()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await Promise.all([store.close(), missing.close(), unreachable.close()]);
    }
  });

  it('reads an object written by another client of the same bucket', async () => {
    const writer = s3();
    const reader = s3();
    const key = `shared/${randomUUID()}`;
    const body = randomBytes(1234);
    try {
      await writer.put(key, body, { metadata: { from: 'writer' } });
      expect((await readAll(await reader.get(key))).equals(body)).toBe(true);
      expect((await reader.stat(key)).metadata).toEqual({ from: 'writer' });
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
