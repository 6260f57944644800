import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemObjectStorage } from './filesystem/filesystem.object-storage';
import { createObjectStorage, ObjectStorageConfigError, s3OptionsFromConfig } from './object-storage.factory';
import { S3ObjectStorage } from './s3/s3.object-storage';

const s3 = { OBJECT_STORAGE: 's3', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY: 'ak', S3_SECRET_KEY: 'sk', S3_BUCKET: 'bucket-1' };

describe('createObjectStorage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'os-factory-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds a filesystem store under <dataDir>/objects, by default and when asked', async () => {
    for (const kind of [undefined, 'filesystem', ' FileSystem ']) {
      const store = createObjectStorage({ OBJECT_STORAGE: kind, dataDir: dir });
      expect(store).toBeInstanceOf(FilesystemObjectStorage);
      expect((store as FilesystemObjectStorage).directory).toBe(join(dir, 'objects'));
      await store.close();
    }
  });

  it('builds an S3 store without contacting the server', async () => {
    const store = createObjectStorage(s3);
    expect(store).toBeInstanceOf(S3ObjectStorage);
    expect((store as S3ObjectStorage).bucket).toBe('bucket-1');
    expect((store as S3ObjectStorage).region).toBe('us-east-1');
    await store.close();
  });

  it('names what is missing or wrong', () => {
    expect(() => createObjectStorage({ OBJECT_STORAGE: 'filesystem' })).toThrow(ObjectStorageConfigError);
    expect(() => createObjectStorage({ OBJECT_STORAGE: 'gcs', dataDir: dir })).toThrow('must be "filesystem" or "s3"');
    expect(() => createObjectStorage({ OBJECT_STORAGE: 's3', S3_ENDPOINT: 'http://x' })).toThrow(
      'OBJECT_STORAGE=s3 needs S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET',
    );
    expect(() => createObjectStorage({ ...s3, S3_ENDPOINT: 'localhost:9000' })).toThrow('http:// or https://');
    expect(() => createObjectStorage({ ...s3, S3_ENDPOINT: '127.0.0.1:9000' })).toThrow('must be a URL like http://127.0.0.1:9000');
    expect(() => createObjectStorage({ ...s3, S3_ENDPOINT: 'not a url' })).toThrow('must be a URL');
    expect(() => createObjectStorage({ ...s3, S3_ENDPOINT: 'http://127.0.0.1:9000/prefix' })).toThrow('no path');
    expect(() => createObjectStorage({ ...s3, S3_PART_SIZE: '1000' })).toThrow('at least 5 MiB');
  });
});

describe('s3OptionsFromConfig', () => {
  it('splits the endpoint URL into host, port and SSL', () => {
    expect(s3OptionsFromConfig(s3)).toMatchObject({ endPoint: '127.0.0.1', port: 9000, useSSL: false, pathStyle: true, bucket: 'bucket-1' });
    expect(s3OptionsFromConfig({ ...s3, S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', S3_REGION: 'eu-west-1' })).toMatchObject({
      endPoint: 's3.eu-west-1.amazonaws.com',
      port: 443,
      useSSL: true,
      region: 'eu-west-1',
    });
    expect(s3OptionsFromConfig({ ...s3, S3_ENDPOINT: 'http://[::1]:9000/' })).toMatchObject({ endPoint: '::1', port: 9000 });
    expect(s3OptionsFromConfig({ ...s3, S3_ENDPOINT: 'http://minio' })).toMatchObject({ port: 80 });
    expect(s3OptionsFromConfig({ ...s3, S3_PART_SIZE: String(8 * 1024 * 1024), S3_PATH_STYLE: 'false' })).toMatchObject({
      partSize: 8 * 1024 * 1024,
      pathStyle: false,
    });
  });
});
