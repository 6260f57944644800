import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32 } from './package-crc32';
import { PackageLimits, PackageRejectedError, RATIO_FLOOR_BYTES, show } from './package-manifest';
import { METHOD_DEFLATE, notAZip, ScannedEntry, ZipSource } from './package-zip-scan';

/**
 * Inflating one entry with byte counting: the bytes actually produced are counted chunk by chunk (header sizes
 * are never trusted), checked against the declared size, the package's budget, the compression ratio and an
 * entry-specific cap, CRC-32'd and hashed. On the first cap crossed the streams are destroyed: nothing more is
 * read or inflated. Inflating is node:zlib's (C, on the libuv thread pool), reading is the source's `chunks`.
 */

export interface InflateCaps {
  limits: PackageLimits;
  /** bytes inflated so far over the whole package; updated as chunks arrive */
  budget: { inflated: number };
  /** an entry-specific cap (definition, manifest) and the error to throw when it is crossed */
  entryCap?: { bytes: number; error: (inflated: number) => PackageRejectedError };
  /** count, CRC and hash the bytes but keep none of them (the content resolves empty) */
  discard?: boolean;
}

/**
 * Inflate one entry from `source`. The first cap is the size the header declares: since the reader has already
 * checked the declared sizes against the budget and the ratio, an entry that stays within its declaration stays
 * within those too. The budget, ratio and entry caps are still counted here on the real bytes, as a second line
 * of defence. A cap crossed mid-stream stops at once: no more input is read, the inflater is destroyed (at most
 * the output of the slice being inflated is produced past it, and dropped).
 *
 * The compressed bytes come from `source.chunks` (one reused buffer for a file): a slice is handed to the
 * inflater and the next one read only once the inflater has consumed it (its write callback). A stored entry
 * is hashed straight from the slices.
 */
export async function inflateEntry(source: ZipSource, entry: ScannedEntry, caps: InflateCaps): Promise<{ content: Buffer; sha256: string }> {
  const { limits, budget, entryCap, discard } = caps;
  const ratioCap = limits.maxCompressionRatio * Math.max(entry.compressedSize, RATIO_FLOOR_BYTES);

  if (entry.uncompressedSize === 0) {
    // declared empty (the scan allows at most an empty deflate stream's few bytes): nothing to inflate
    if (entry.crc32 !== 0) throw notAZip(`entry ${show(entry.name)} is corrupt (CRC-32 mismatch)`);
    return { content: Buffer.alloc(0), sha256: createHash('sha256').digest('hex') };
  }
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  let inflated = 0;
  let crc = 0;
  let failure: PackageRejectedError | null = null;
  let abort!: () => void;
  const aborted = new Promise<void>((resolve) => (abort = resolve));
  const bomb = (why: string) => new PackageRejectedError('zip-bomb', `entry ${show(entry.name)} ${why}; refused as a possible zip bomb`);
  const fail = (error: PackageRejectedError) => {
    if (failure) return;
    failure = error;
    chunks.length = 0;
    abort();
  };
  const corrupt = (error: unknown) =>
    fail(error instanceof PackageRejectedError ? error : notAZip(`entry ${show(entry.name)} is corrupt (${String((error as Error)?.message ?? error).slice(0, 200)})`));
  /** `chunk` is the inflater's own (kept as is) or a slice of the source's reused buffer (copied when kept) */
  const take = (chunk: Buffer, reused: boolean) => {
    if (failure) return;
    inflated += chunk.length;
    budget.inflated += chunk.length;
    if (inflated > entry.uncompressedSize) return fail(bomb(`inflates to more than the ${entry.uncompressedSize} bytes its header declares`));
    if (budget.inflated > limits.maxUncompressedBytes) return fail(bomb(`takes the package past ${limits.maxUncompressedBytes} uncompressed bytes`));
    if (inflated > ratioCap) return fail(bomb(`inflates more than ${limits.maxCompressionRatio} times its compressed size`));
    if (entryCap && inflated > entryCap.bytes) return fail(entryCap.error(inflated));
    if (!discard) chunks.push(reused ? Buffer.from(chunk) : chunk);
    hash.update(chunk);
    crc = crc32(chunk, crc);
  };

  if (entry.method !== METHOD_DEFLATE) {
    try {
      for await (const slice of source.chunks(entry.dataStart, entry.dataEnd)) {
        take(slice, true);
        if (failure) break;
      }
    } catch (error) {
      corrupt(error);
    }
  } else {
    const inflater = zlib.createInflateRaw({ chunkSize: 64 * 1024 });
    inflater.on('data', (chunk: Buffer) => {
      take(chunk, false);
      if (failure) inflater.destroy();
    });
    inflater.on('error', corrupt);
    const ended = new Promise<void>((resolve) => inflater.on('end', resolve));
    try {
      for await (const slice of source.chunks(entry.dataStart, entry.dataEnd)) {
        if (failure) break;
        // the slice's buffer is reused for the next read: wait until the inflater is done with it (or gave up)
        const written = new Promise<void>((resolve) => inflater.write(slice, () => resolve()));
        await Promise.race([written, aborted]);
        if (failure) break;
      }
      if (!failure) {
        inflater.end();
        await Promise.race([ended, aborted]);
      }
    } catch (error) {
      corrupt(error);
    } finally {
      inflater.destroy();
    }
  }
  if (failure) throw failure;
  if (inflated !== entry.uncompressedSize) throw notAZip(`entry ${show(entry.name)} inflates to ${inflated} bytes, its header says ${entry.uncompressedSize}`);
  if (crc !== entry.crc32) throw notAZip(`entry ${show(entry.name)} is corrupt (CRC-32 mismatch)`);
  return { content: discard ? Buffer.alloc(0) : Buffer.concat(chunks, inflated), sha256: hash.digest('hex') };
}

export function checkLimits(limits: PackageLimits): void {
  for (const key of ['maxBytes', 'maxEntries', 'maxUncompressedBytes', 'maxCompressionRatio', 'maxDefinitionBytes'] as const) {
    if (typeof limits?.[key] !== 'number' || !(limits[key] > 0)) throw new TypeError(`PackageLimits.${key} must be a positive number`);
  }
}

export function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; why: string } {
  try {
    // strips one leading BOM, refuses invalid UTF-8
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, why: (e as Error).message.slice(0, 200) };
  }
}
