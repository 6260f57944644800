import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  InvalidObjectKeyError,
  InvalidObjectMetadataError,
  ObjectNotFoundError,
  ObjectSizeMismatchError,
  ObjectStorage,
  ObjectStorageClosedError,
  PutObjectOptions,
} from '../object-storage.port';

export interface ObjectStorageContractOptions {
  /** true: the adapter presigns URLs, which are fetched; false: presignedGetUrl must return null */
  presignedUrls: boolean;
  /** size of the large streamed object (default 12 MiB: three parts on S3 with a 5 MiB part size) */
  largeObjectBytes?: number;
  /** bytes a failing or concurrent body sends (default 6 MiB: past one 5 MiB S3 part, so multipart is involved) */
  multipartProbeBytes?: number;
}

const MiB = 1024 * 1024;

/**
 * The contract every object storage adapter passes. `create` returns a store; stores may share a bucket or
 * directory between tests (every test uses fresh keys under `contract/<uuid>/`).
 */
export function objectStorageContract(
  name: string,
  create: () => Promise<ObjectStorage>,
  options: ObjectStorageContractOptions = { presignedUrls: false },
) {
  const largeBytes = options.largeObjectBytes ?? 12 * MiB;
  const probeBytes = options.multipartProbeBytes ?? 6 * MiB;

  describe(`object storage contract: ${name}`, () => {
    let store: ObjectStorage;
    let prefix: string;
    const key = (suffix = 'object.bin') => `${prefix}/${suffix}`;

    beforeEach(async () => {
      store = await create();
      prefix = `contract/${randomUUID()}`;
    });
    afterEach(async () => {
      // undefined when a beforeAll of the caller failed (for example: the server is not reachable)
      await store?.close();
    });

    it('round-trips a Buffer, reporting its size and sha256', async () => {
      const body = Buffer.from('hello, object storage\n');
      const result = await store.put(key(), body, { contentType: 'text/plain' });
      expect(result).toMatchObject({ key: key(), size: body.length, sha256: sha256(body) });
      expect((await readAll(await store.get(key()))).equals(body)).toBe(true);
    });

    it('round-trips a stream of unknown size', async () => {
      const body = randomBytes(300_001);
      const result = await store.put(key(), chunked(body, 7_777));
      expect(result).toMatchObject({ size: body.length, sha256: sha256(body) });
      const back = await readAll(await store.get(key()));
      expect(back.length).toBe(body.length);
      expect(sha256(back)).toBe(sha256(body));
    });

    it('is binary-safe: every byte value survives, from a Buffer and from a stream', async () => {
      const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n\0\r\n\u00ff'), randomBytes(65_537)]);
      const fromBuffer = await store.put(key('buffer'), body);
      const fromStream = await store.put(key('stream'), chunked(body, 1000), { size: body.length });
      expect(fromBuffer.sha256).toBe(sha256(body));
      expect(fromStream.sha256).toBe(sha256(body));
      expect((await readAll(await store.get(key('buffer')))).equals(body)).toBe(true);
      expect((await readAll(await store.get(key('stream')))).equals(body)).toBe(true);
    });

    it('stores an empty object, from a Buffer and from a stream', async () => {
      const emptySha = sha256(Buffer.alloc(0));
      expect(await store.put(key('a'), Buffer.alloc(0))).toMatchObject({ size: 0, sha256: emptySha });
      expect(await store.put(key('b'), Readable.from([]))).toMatchObject({ size: 0, sha256: emptySha });
      expect((await readAll(await store.get(key('a')))).length).toBe(0);
      expect((await store.stat(key('b'))).size).toBe(0);
    });

    it('stat reports size, content type, metadata (keys lower-cased) and lastModified', async () => {
      const before = Date.now();
      await store.put(key(), Buffer.from('{"a":1}'), {
        contentType: 'application/json',
        metadata: { origin: 'upload', 'Build-Id': '42', note: 'spaces inside, and = & ? / signs' },
      });
      const stat = await store.stat(key());
      expect(stat).toMatchObject({
        key: key(),
        size: 7,
        contentType: 'application/json',
        metadata: { origin: 'upload', 'build-id': '42', note: 'spaces inside, and = & ? / signs' },
      });
      expect(Object.keys(stat.metadata).sort()).toEqual(['build-id', 'note', 'origin']);
      expect(stat.lastModified).toBeInstanceOf(Date);
      // servers keep whole seconds
      expect(stat.lastModified.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(stat.lastModified.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('defaults the content type to application/octet-stream and the metadata to {}', async () => {
      await store.put(key(), Buffer.from('x'));
      expect(await store.stat(key())).toMatchObject({ contentType: 'application/octet-stream', metadata: {} });
    });

    it('overwrites: bytes, content type and metadata are replaced, not merged', async () => {
      await store.put(key(), Buffer.from('first version, longer'), { contentType: 'text/plain', metadata: { a: '1', b: '2' } });
      const second = Buffer.from('second');
      await store.put(key(), second, { contentType: 'application/x-custom', metadata: { c: '3' } });
      expect((await readAll(await store.get(key()))).equals(second)).toBe(true);
      expect(await store.stat(key())).toMatchObject({ size: second.length, contentType: 'application/x-custom', metadata: { c: '3' } });
      expect(Object.keys((await store.stat(key())).metadata)).toEqual(['c']);
    });

    it('deletes, and deleting a missing object succeeds', async () => {
      await store.put(key(), Buffer.from('bye'));
      await store.delete(key());
      expect(await store.exists(key())).toBe(false);
      await expect(store.get(key())).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.delete(key())).resolves.toBeUndefined();
      await expect(store.delete(key('never-existed'))).resolves.toBeUndefined();
    });

    it('exists tells a stored key from a missing one', async () => {
      expect(await store.exists(key())).toBe(false);
      await store.put(key(), Buffer.from('here'));
      expect(await store.exists(key())).toBe(true);
      expect(await store.exists(`${key()}.other`)).toBe(false);
    });

    it('get and stat of a missing key reject with ObjectNotFoundError naming the key', async () => {
      await expect(store.get(key('missing'))).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.stat(key('missing'))).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.stat(key('missing'))).rejects.toMatchObject({ key: key('missing') });
    });

    it('refuses invalid keys on every operation with InvalidObjectKeyError, storing nothing', async () => {
      const invalid: unknown[] = [
        '',
        '/absolute/key',
        '..',
        'a/../b',
        '../escape',
        'a/..',
        'double..dot',
        'back\\slash',
        '..\\windows',
        'x'.repeat(513),
        `${prefix}/${'s'.repeat(201)}`, // one segment over 200 bytes
        `${'€'.repeat(200)}/${'€'.repeat(200)}`, // 401 characters but 1,201 UTF-8 bytes (S3 allows 1,024)
        'a//b',
        'trailing/',
        'a/./b',
        'nul\u0000byte',
        'line\nbreak',
        'lone\ud800surrogate',
        42,
        undefined,
      ];
      for (const bad of invalid) {
        const k = bad as string;
        await expect(store.put(k, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.put(k, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.get(k)).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.stat(k)).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.delete(k)).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.exists(k)).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.presignedGetUrl(k, 60)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      }
      expect(await store.exists('absolute/key')).toBe(false);
      expect(await store.exists('escape')).toBe(false);
    });

    it('accepts unusual but valid keys: spaces, Unicode, URL-special characters, 512 characters, 200-byte segments', async () => {
      const longKey = `${prefix}/${'k'.repeat(200)}/${'l'.repeat(200)}/`;
      const keys = [
        key('dir with spaces/file name (1).txt'),
        key('ünïcødé/日本語/€uro.txt'),
        key("a=b&c?d#e%f;g,h:i@j!k'l*m~n$o+p[q]r"),
        key('.hidden/v1.2.3/archive.tar.gz'),
        key('é'.repeat(100)),
        longKey + 'm'.repeat(512 - longKey.length),
      ];
      expect(keys[5]).toHaveLength(512);
      for (const k of keys) {
        const body = Buffer.from(`body of ${k}`);
        await store.put(k, body, { contentType: 'text/plain' });
        expect(await store.exists(k)).toBe(true);
        expect((await store.stat(k)).key).toBe(k);
        expect((await readAll(await store.get(k))).equals(body)).toBe(true);
      }
      for (const k of keys) await store.delete(k);
      for (const k of keys) expect(await store.exists(k)).toBe(false);
    });

    it('refuses invalid metadata and content types with InvalidObjectMetadataError, storing nothing', async () => {
      const bad: PutObjectOptions[] = [
        { metadata: { note: 'naïve' } },
        { metadata: { note: 'line\nbreak' } },
        { metadata: { 'content-type': 'text/html' } },
        { metadata: { 'x-amz-meta-x': '1' } },
        { metadata: { 'has space': '1' } },
        { metadata: { dup: '1', DUP: '2' } },
        { metadata: { big: 'v'.repeat(3000) } },
        { contentType: 'text/plain; charset=\u00e9' },
        { contentType: '' },
      ];
      for (const options of bad) {
        await expect(store.put(key(), Buffer.from('x'), options)).rejects.toBeInstanceOf(InvalidObjectMetadataError);
      }
      expect(await store.exists(key())).toBe(false);
    });

    it('checks an announced size: a shorter or longer body is refused and nothing is stored', async () => {
      const body = randomBytes(10_000);
      await expect(store.put(key('short'), chunked(body, 1000), { size: body.length + 1 })).rejects.toBeInstanceOf(ObjectSizeMismatchError);
      await expect(store.put(key('long'), chunked(body, 1000), { size: body.length - 1 })).rejects.toBeInstanceOf(ObjectSizeMismatchError);
      await expect(store.put(key('buffer'), body, { size: 3 })).rejects.toBeInstanceOf(ObjectSizeMismatchError);
      expect(await store.exists(key('short'))).toBe(false);
      expect(await store.exists(key('long'))).toBe(false);
      expect(await store.exists(key('buffer'))).toBe(false);
      expect(await store.put(key('exact'), chunked(body, 1000), { size: body.length })).toMatchObject({ size: body.length, sha256: sha256(body) });
    });

    it('a body stream that fails leaves no object, and keeps the previous one on overwrite', async () => {
      await expect(store.put(key('new'), failingStream(probeBytes, 'source failed'))).rejects.toThrow('source failed');
      expect(await store.exists(key('new'))).toBe(false);
      await expect(store.get(key('new'))).rejects.toBeInstanceOf(ObjectNotFoundError);

      const previous = Buffer.from('the previous version');
      await store.put(key('old'), previous, { metadata: { v: '1' } });
      await expect(store.put(key('old'), failingStream(probeBytes, 'source failed again'), { metadata: { v: '2' } })).rejects.toThrow(
        'source failed again',
      );
      expect((await readAll(await store.get(key('old')))).equals(previous)).toBe(true);
      expect((await store.stat(key('old'))).metadata).toEqual({ v: '1' });
    }, 60_000);

    it('concurrent puts to one key both succeed and leave one of the two bodies, whole', async () => {
      const a = randomBytes(probeBytes);
      const b = randomBytes(probeBytes + 1000);
      const results = await Promise.all([store.put(key(), chunked(a, 64 * 1024, 2)), store.put(key(), chunked(b, 64 * 1024, 2))]);
      expect(results.map((r) => r.sha256)).toEqual([sha256(a), sha256(b)]);
      const back = sha256(await readAll(await store.get(key())));
      expect([sha256(a), sha256(b)]).toContain(back);
      expect((await store.stat(key())).size).toBe(back === sha256(a) ? a.length : b.length);
    }, 60_000);

    it(`streams a large object (${(largeBytes / MiB).toFixed(1)} MiB, size unknown) both ways with a matching sha256`, async () => {
      const source = generated(largeBytes, 256 * 1024);
      const result = await store.put(key('large.bin'), source.stream, { contentType: 'application/zip' });
      expect(result.size).toBe(largeBytes);
      expect(result.sha256).toBe(source.sha256());
      expect((await store.stat(key('large.bin'))).size).toBe(largeBytes);
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of await store.get(key('large.bin'))) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      expect(size).toBe(largeBytes);
      expect(hash.digest('hex')).toBe(result.sha256);
    }, 120_000);

    it('refuses a presigned URL expiry outside 1 s .. 7 days', async () => {
      for (const expiry of [0, -1, 1.5, 7 * 24 * 3600 + 1, Number.NaN]) {
        await expect(store.presignedGetUrl(key(), expiry)).rejects.toBeInstanceOf(RangeError);
      }
    });

    if (options.presignedUrls) {
      it('a presigned URL downloads the object with fetch, without credentials', async () => {
        const body = randomBytes(4096);
        const k = key('dir with spaces/ünïcødé + plus.bin');
        await store.put(k, body, { contentType: 'application/x-test' });
        const url = await store.presignedGetUrl(k, 300);
        expect(typeof url).toBe('string');
        const res = await fetch(url as string);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/x-test');
        expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
      });

      it('an expired presigned URL is refused', async () => {
        await store.put(key(), Buffer.from('soon gone'));
        const url = (await store.presignedGetUrl(key(), 1)) as string;
        await new Promise((r) => setTimeout(r, 2100));
        const res = await fetch(url);
        await res.arrayBuffer();
        expect(res.status).toBe(403);
      }, 15_000);

      it('a tampered presigned URL is refused with 403: one signature character changed, or another key', async () => {
        await store.put(key('a'), Buffer.from('secret a'));
        await store.put(key('b'), Buffer.from('secret b'));
        const url = (await store.presignedGetUrl(key('a'), 300)) as string;
        const match = /([?&](?:X-Amz-Signature|Signature)=)([^&]+)/.exec(url);
        expect(match).not.toBeNull();
        const [whole, param, signature] = match as RegExpExecArray;
        const last = signature[signature.length - 1];
        const tampered = url.replace(whole, param + signature.slice(0, -1) + (last === '0' ? '1' : '0'));
        const bad = await fetch(tampered);
        await bad.arrayBuffer();
        expect(bad.status).toBe(403);
        const otherKey = await fetch(url.replace(`/${prefix}/a?`, `/${prefix}/b?`));
        await otherKey.arrayBuffer();
        expect(url).toContain(`/${prefix}/a?`);
        expect(otherKey.status).toBe(403);
        const good = await fetch(url);
        expect(await good.text()).toBe('secret a');
      });
    } else {
      it('presignedGetUrl returns null (this adapter cannot presign)', async () => {
        await store.put(key(), Buffer.from('x'));
        expect(await store.presignedGetUrl(key(), 60)).toBeNull();
      });
    }

    it('ping resolves while the store is reachable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('after close, calls reject with ObjectStorageClosedError', async () => {
      await store.close();
      await expect(store.put(key(), Buffer.from('x'))).rejects.toBeInstanceOf(ObjectStorageClosedError);
      await expect(store.get(key())).rejects.toBeInstanceOf(ObjectStorageClosedError);
      await expect(store.ping()).rejects.toBeInstanceOf(ObjectStorageClosedError);
      await store.close();
    });
  });
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** a stream of `body` in chunks of `chunkSize`, of unknown size; an optional pause (ms) between chunks */
export function chunked(body: Buffer, chunkSize: number, delayMs = 0): Readable {
  return Readable.from(
    (async function* () {
      for (let offset = 0; offset < body.length; offset += chunkSize) {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        yield body.subarray(offset, offset + chunkSize);
      }
    })(),
    { objectMode: false },
  );
}

/** `bytes` random bytes made chunk by chunk as the stream is read (never all in memory), and their sha256 */
export function generated(bytes: number, chunkSize: number) {
  const hash = createHash('sha256');
  const stream = Readable.from(
    (function* () {
      for (let left = bytes; left > 0; left -= chunkSize) {
        const chunk = randomBytes(Math.min(chunkSize, left));
        hash.update(chunk);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
  return { stream, sha256: () => hash.digest('hex') };
}

/** a stream that sends `bytes` random bytes, then fails with `message` */
export function failingStream(bytes: number, message: string): Readable {
  return Readable.from(
    (function* () {
      for (let left = bytes; left > 0; left -= 64 * 1024) yield randomBytes(Math.min(64 * 1024, left));
      throw new Error(message);
    })(),
    { objectMode: false },
  );
}
