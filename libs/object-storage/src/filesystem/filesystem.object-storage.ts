import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants, mkdirSync } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat as fsStat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { BodyMeter } from '../internal/body';
import { errorCode, releaseBody } from '../internal/util';
import { normalizeContentType, normalizeObjectMetadata, validateExpectedSize, validateObjectKey, validatePresignExpiry } from '../object-key';
import { ObjectNotFoundError, ObjectStat, ObjectStorage, ObjectStorageClosedError, PutObjectOptions, PutObjectResult } from '../object-storage.port';

export interface FilesystemObjectStorageOptions {
  /** directory holding the objects; created if missing. Give each store its own directory. */
  directory: string;
  /** fsync data, sidecar and directory before a put or delete resolves (default true) */
  fsync?: boolean;
}

/** the sidecar JSON file: the commit point of an object */
interface Sidecar {
  format: 1;
  key: string;
  size: number;
  sha256: string;
  contentType: string;
  metadata: Record<string, string>;
  lastModified: string;
  /** file name of the data file of this version, in the same directory */
  data: string;
}

/** how often get() re-reads the sidecar when a concurrent put or delete removed the version it was opening */
const OPEN_ATTEMPTS = 5;

/**
 * Objects in a directory on disk. A key maps to `<dir>/<h[0..2]>/<h>` where h is the SHA-256 of the key, so
 * any valid key (512 characters, `a` next to `a/b`) fits within file name limits and cannot escape `<dir>`.
 *
 * - `<h>.<version>.data` holds the bytes of one version, `<h>.json` (the sidecar) names the current version
 *   with its size, sha256, content type and metadata.
 * - A put writes the bytes to a temp file in the same directory, fsyncs it and renames it to its version
 *   name, then writes the sidecar the same way (temp, fsync, rename): the sidecar rename is the commit, so a
 *   reader sees the old object or the new one, never half of one. The replaced version's data file is then
 *   removed; a reader that loses that race re-reads the sidecar.
 * - Concurrent puts to the same key (even from several processes) leave the last committed version; at worst
 *   an unreferenced `.data` file, or a `.tmp-*` file after a crash, stays behind.
 */
export class FilesystemObjectStorage implements ObjectStorage {
  readonly directory: string;
  private readonly fsync: boolean;
  private closed = false;

  constructor(options: FilesystemObjectStorageOptions) {
    if (!options?.directory) throw new TypeError('FilesystemObjectStorage needs a directory');
    this.directory = resolve(options.directory);
    this.fsync = options.fsync ?? true;
    mkdirSync(this.directory, { recursive: true });
  }

  async put(key: string, body: Buffer | Readable, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    let tmpData: string | undefined;
    let tmpSidecar: string | undefined;
    let dataPath: string | undefined;
    let committed = false;
    try {
      this.assertOpen();
      validateObjectKey(key);
      const contentType = normalizeContentType(options.contentType);
      const metadata = normalizeObjectMetadata(options.metadata);
      validateExpectedSize(options.size);

      const { dir, base } = this.locate(key);
      await mkdir(dir, { recursive: true });
      const version = randomUUID().replace(/-/g, '');
      tmpData = join(dir, `.tmp-${version}.data`);
      const meter = new BodyMeter(key, options.size);
      const fh = await open(tmpData, 'wx');
      try {
        for await (const chunk of meter.chunks(body)) await writeAll(fh, chunk);
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      const dataName = `${base}.${version}.data`;
      dataPath = join(dir, dataName);
      await rename(tmpData, dataPath);
      tmpData = undefined;

      const sidecar: Sidecar = {
        format: 1,
        key,
        size: meter.size,
        sha256: meter.sha256(),
        contentType,
        metadata,
        lastModified: new Date().toISOString(),
        data: dataName,
      };
      tmpSidecar = join(dir, `.tmp-${version}.json`);
      await this.writeFileDurably(tmpSidecar, JSON.stringify(sidecar));
      // the data file's rename must be on disk before a sidecar naming it can be
      if (this.fsync) await fsyncDirectory(dir);
      const previous = await this.readSidecar(key).catch(() => null);
      await rename(tmpSidecar, join(dir, `${base}.json`));
      tmpSidecar = undefined;
      committed = true;
      if (this.fsync) await fsyncDirectory(dir);
      if (previous && previous.data !== dataName) await rm(join(dir, previous.data), { force: true }).catch(() => undefined);
      return { key, size: sidecar.size, sha256: sidecar.sha256 };
    } catch (error) {
      releaseBody(body);
      if (tmpData) await rm(tmpData, { force: true }).catch(() => undefined);
      if (tmpSidecar) await rm(tmpSidecar, { force: true }).catch(() => undefined);
      if (dataPath && !committed) await rm(dataPath, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    this.assertOpen();
    validateObjectKey(key);
    const { dir } = this.locate(key);
    for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
      const sidecar = await this.readSidecar(key);
      if (!sidecar) throw new ObjectNotFoundError(key);
      let fh: FileHandle;
      try {
        fh = await open(join(dir, sidecar.data), 'r');
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue; // replaced or deleted meanwhile: look again
        throw error;
      }
      // the open handle keeps this version readable even if a put replaces it now
      return fh.createReadStream();
    }
    throw new Error(`object ${key} changed ${OPEN_ATTEMPTS} times while being opened`);
  }

  async stat(key: string): Promise<ObjectStat> {
    this.assertOpen();
    validateObjectKey(key);
    const sidecar = await this.readSidecar(key);
    if (!sidecar) throw new ObjectNotFoundError(key);
    return {
      key,
      size: sidecar.size,
      contentType: sidecar.contentType,
      metadata: { ...sidecar.metadata },
      lastModified: new Date(sidecar.lastModified),
    };
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    validateObjectKey(key);
    const { dir, base } = this.locate(key);
    const sidecar = await this.readSidecar(key);
    if (!sidecar) return;
    await rm(join(dir, `${base}.json`), { force: true });
    if (this.fsync) await fsyncDirectory(dir);
    await rm(join(dir, sidecar.data), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    this.assertOpen();
    validateObjectKey(key);
    return (await this.readSidecar(key)) !== null;
  }

  async presignedGetUrl(key: string, expiresInSeconds: number): Promise<string | null> {
    this.assertOpen();
    validateObjectKey(key);
    validatePresignExpiry(expiresInSeconds);
    return null;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const info = await fsStat(this.directory);
    if (!info.isDirectory()) throw new Error(`object storage directory ${this.directory} is not a directory`);
    await access(this.directory, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen() {
    if (this.closed) throw new ObjectStorageClosedError();
  }

  private locate(key: string) {
    const hash = createHash('sha256').update(key, 'utf8').digest('hex');
    return { dir: join(this.directory, hash.slice(0, 2)), base: hash };
  }

  private async readSidecar(key: string): Promise<Sidecar | null> {
    const { dir, base } = this.locate(key);
    let text: string;
    try {
      text = await readFile(join(dir, `${base}.json`), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
    const sidecar = JSON.parse(text) as Sidecar;
    if (sidecar.key !== key) throw new Error(`object storage sidecar ${base}.json holds key ${JSON.stringify(sidecar.key)}, not ${JSON.stringify(key)}`);
    return sidecar;
  }

  private async writeFileDurably(path: string, text: string) {
    const fh = await open(path, 'wx');
    try {
      await writeAll(fh, Buffer.from(text, 'utf8'));
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer) {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** makes renames and unlinks in `dir` durable (a no-op where directories cannot be fsynced) */
async function fsyncDirectory(dir: string) {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (error) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await fh?.close();
  }
}
