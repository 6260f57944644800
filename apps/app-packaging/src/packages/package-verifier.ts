import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32 } from './package-crc32';
import { PackageLimits, PackageRejectedError, RATIO_FLOOR_BYTES, show } from './package-manifest';
import { METHOD_DEFLATE, notAZip, ScannedEntry, ZipSource } from './package-zip-scan';

/**
 * Inflating one entry with byte counting: the bytes actually produced are counted chunk by chunk (header sizes
 * are never trusted), checked against the declared size, the package's budget, the compression ratio and an
 * entry-specific cap, CRC-32'd and hashed. On the first cap crossed the streams are destroyed: nothing more is
 * read or inflated. Inflating is node:zlib's (C, on the libuv thread pool), reading is the source's stream.
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
 * of defence. A cap crossed mid-stream stops the inflater at once (at most one 16 KiB output chunk past it).
 */
export function inflateEntry(source: ZipSource, entry: ScannedEntry, caps: InflateCaps): Promise<{ content: Buffer; sha256: string }> {
  const { limits, budget, entryCap, discard } = caps;
  const ratioCap = limits.maxCompressionRatio * Math.max(entry.compressedSize, RATIO_FLOOR_BYTES);

  if (entry.uncompressedSize === 0) {
    // declared empty (the scan allows at most an empty deflate stream's few bytes): nothing to inflate
    if (entry.crc32 !== 0) return Promise.reject(notAZip(`entry ${show(entry.name)} is corrupt (CRC-32 mismatch)`));
    return Promise.resolve({ content: Buffer.alloc(0), sha256: createHash('sha256').digest('hex') });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let inflated = 0;
    let crc = 0;
    let settled = false;
    const raw = source.stream(entry.dataStart, entry.dataEnd);
    const inflater = entry.method === METHOD_DEFLATE ? zlib.createInflateRaw() : null;
    const output = inflater ?? raw;
    const fail = (error: PackageRejectedError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      raw.destroy();
      inflater?.destroy();
      reject(error);
    };
    const bomb = (why: string) => new PackageRejectedError('zip-bomb', `entry ${show(entry.name)} ${why}; refused as a possible zip bomb`);

    output.on('data', (chunk: Buffer) => {
      if (settled) return;
      inflated += chunk.length;
      budget.inflated += chunk.length;
      if (inflated > entry.uncompressedSize) return fail(bomb(`inflates to more than the ${entry.uncompressedSize} bytes its header declares`));
      if (budget.inflated > limits.maxUncompressedBytes) return fail(bomb(`takes the package past ${limits.maxUncompressedBytes} uncompressed bytes`));
      if (inflated > ratioCap) return fail(bomb(`inflates more than ${limits.maxCompressionRatio} times its compressed size`));
      if (entryCap && inflated > entryCap.bytes) return fail(entryCap.error(inflated));
      if (!discard) chunks.push(chunk);
      hash.update(chunk);
      crc = crc32(chunk, crc);
    });
    const corrupt = (error: Error) => fail(notAZip(`entry ${show(entry.name)} is corrupt (${error.message.slice(0, 200)})`));
    raw.on('error', corrupt);
    inflater?.on('error', corrupt);
    output.on('end', () => {
      if (settled) return;
      if (inflated !== entry.uncompressedSize) return fail(notAZip(`entry ${show(entry.name)} inflates to ${inflated} bytes, its header says ${entry.uncompressedSize}`));
      if (crc !== entry.crc32) return fail(notAZip(`entry ${show(entry.name)} is corrupt (CRC-32 mismatch)`));
      settled = true;
      resolve({ content: discard ? Buffer.alloc(0) : Buffer.concat(chunks, inflated), sha256: hash.digest('hex') });
    });
    if (inflater) raw.pipe(inflater);
  });
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
