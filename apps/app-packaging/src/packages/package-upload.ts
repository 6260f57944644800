import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PackageRejectedError } from './package-manifest';

/** an uploaded package written to a private temp file: read it by `path`, then `dispose()` it */
export interface SpooledUpload {
  path: string;
  size: number;
  /** of the whole upload, as it arrived */
  sha256: string;
  dispose(): Promise<void>;
}

/**
 * Writes an upload (the request stream, or a Buffer) to a new file under `dir` while counting and hashing it,
 * so that the package is read by random access from disk, never held in memory. More than `maxBytes` stops the
 * upload at once (413 package-too-large) and removes the file; so does any error of the stream.
 */
export async function spoolUpload(body: Readable | Buffer, maxBytes: number, dir: string): Promise<SpooledUpload> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `upload-${randomUUID()}.zip`);
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new PackageRejectedError('package-too-large', `the package is larger than the ${maxBytes} bytes allowed`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const source = Buffer.isBuffer(body) ? Readable.from([body], { objectMode: false }) : body;
  try {
    await pipeline(source, count, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof PackageRejectedError) throw error;
    throw new PackageRejectedError('not-a-zip', `the upload could not be read (${(error as Error).message.slice(0, 200)})`);
  }
  return { path, size, sha256: hash.digest('hex'), dispose: () => rm(path, { force: true }) };
}
