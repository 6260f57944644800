import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { crc32 } from './package-crc32';
import { PackageBuildError } from './package-manifest';
import { METHOD_DEFLATE, METHOD_STORE } from './package-zip-scan';

/**
 * A streaming ZIP writer on node:zlib, for packages whose entries are already in memory (the manifest, the
 * definition, the assets): the archive leaves as a byte stream, entry by entry, and is never held whole. Each
 * entry's CRC-32 and size are computed up front (zlib.crc32, C); a deflated entry is streamed through
 * `zlib.createDeflateRaw` (C, libuv's pool, level 6 like zip(1)) and followed by a data descriptor with its
 * compressed size; a stored entry carries all three in its local header. No ZIP64: a package is far below 4 GiB
 * and 65,535 entries, and going past either throws rather than writing a corrupt archive.
 *
 * Method per entry ('auto'): entries that do not compress (images, fonts, media: already compressed) are stored.
 * The test is a level-1 deflate of the first 64 KiB: saving less than 1/10 of it means storing. zip(1) instead
 * deflates every file in full and stores it only when the result came out larger, so it spends the deflate time
 * on such files too (compared in bench/README.md).
 */

export interface ZipWriteEntry {
  /** UTF-8 name, already checked by the caller */
  name: string;
  content: Buffer;
  method?: 'auto' | 'deflate' | 'store';
}

export interface ZipWriteOptions {
  /** the modification time written for every entry (DOS time, UTC) */
  date: Date;
  /** deflate level, default 6 (zip(1)'s default) */
  level?: number;
  /** the archive may not grow past this many bytes: the stream fails with a PackageBuildError */
  maxBytes?: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_DESCRIPTOR = 0x08074b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
/** 2.0: deflate */
const VERSION_NEEDED = 20;
/** made by Unix (3), spec 2.0, so that the mode in the external attributes counts */
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED;
/** regular file, rw-r--r-- */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;
const ZIP32_MAX = 0xffffffff;
const ZIP32_MAX_ENTRIES = 0xffff;
const PROBE_BYTES = 64 * 1024;
/** below this an entry is deflated without probing: the probe would cost more than it could save */
const PROBE_FROM = 4 * 1024;
/** stored entries leave in slices of this size, so the consumer's buffering stays bounded */
const SLICE = 1024 * 1024;
const DEFLATE_CHUNK = 64 * 1024;

/** 'store' when a quick deflate of the start of `content` saves less than a tenth */
export function chooseMethod(content: Buffer): 'deflate' | 'store' {
  if (content.length === 0) return 'store';
  if (content.length < PROBE_FROM) return 'deflate';
  const sample = content.subarray(0, PROBE_BYTES);
  return zlib.deflateRawSync(sample, { level: 1 }).length > sample.length * 0.9 ? 'store' : 'deflate';
}

function dosDateTime(date: Date): { time: number; date: number } {
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 }; // 1980-01-01
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    date: (Math.min(date.getUTCFullYear() - 1980, 127) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

interface Header {
  name: Buffer;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
}

function localHeader(h: Header): Buffer {
  const b = Buffer.alloc(30 + h.name.length);
  b.writeUInt32LE(SIG_LOCAL, 0);
  b.writeUInt16LE(VERSION_NEEDED, 4);
  b.writeUInt16LE(h.flags, 6);
  b.writeUInt16LE(h.method, 8);
  b.writeUInt16LE(h.time, 10);
  b.writeUInt16LE(h.date, 12);
  // with a data descriptor, CRC-32 and sizes are 0 here (APPNOTE 4.4.4) and follow the data
  const deferred = (h.flags & FLAG_DESCRIPTOR) !== 0;
  b.writeUInt32LE(deferred ? 0 : h.crc, 14);
  b.writeUInt32LE(deferred ? 0 : h.compressedSize, 18);
  b.writeUInt32LE(deferred ? 0 : h.size, 22);
  b.writeUInt16LE(h.name.length, 26);
  b.writeUInt16LE(0, 28);
  h.name.copy(b, 30);
  return b;
}

function dataDescriptor(h: Header): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(SIG_DESCRIPTOR, 0);
  b.writeUInt32LE(h.crc, 4);
  b.writeUInt32LE(h.compressedSize, 8);
  b.writeUInt32LE(h.size, 12);
  return b;
}

function centralHeader(h: Header, localOffset: number): Buffer {
  const b = Buffer.alloc(46 + h.name.length);
  b.writeUInt32LE(SIG_CENTRAL, 0);
  b.writeUInt16LE(VERSION_MADE_BY, 4);
  b.writeUInt16LE(VERSION_NEEDED, 6);
  b.writeUInt16LE(h.flags, 8);
  b.writeUInt16LE(h.method, 10);
  b.writeUInt16LE(h.time, 12);
  b.writeUInt16LE(h.date, 14);
  b.writeUInt32LE(h.crc, 16);
  b.writeUInt32LE(h.compressedSize, 20);
  b.writeUInt32LE(h.size, 24);
  b.writeUInt16LE(h.name.length, 28);
  // extra field length (30), comment length (32), disk (34), internal attributes (36): 0
  b.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
  b.writeUInt32LE(localOffset, 42);
  h.name.copy(b, 46);
  return b;
}

function endRecord(entries: number, centralSize: number, centralOffset: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(SIG_END, 0);
  b.writeUInt16LE(entries, 8);
  b.writeUInt16LE(entries, 10);
  b.writeUInt32LE(centralSize, 12);
  b.writeUInt32LE(centralOffset, 16);
  return b;
}

async function* zipChunks(entries: readonly ZipWriteEntry[], options: ZipWriteOptions): AsyncGenerator<Buffer> {
  if (entries.length > ZIP32_MAX_ENTRIES) throw new PackageBuildError(`${entries.length} entries need ZIP64, which this writer does not write`);
  const maxBytes = Math.min(options.maxBytes ?? ZIP32_MAX, ZIP32_MAX);
  const level = options.level ?? 6;
  const { time, date } = dosDateTime(options.date);
  const central: Buffer[] = [];
  let offset = 0;
  const out = (chunk: Buffer) => {
    offset += chunk.length;
    if (offset > maxBytes) throw new PackageBuildError(`the package would be more than ${maxBytes} bytes`);
    return chunk;
  };

  for (const entry of entries) {
    const content = entry.content;
    const method = !entry.method || entry.method === 'auto' ? chooseMethod(content) : entry.method;
    const deflate = method === 'deflate';
    const header: Header = {
      name: Buffer.from(entry.name, 'utf8'),
      flags: FLAG_UTF8 | (deflate ? FLAG_DESCRIPTOR : 0),
      method: deflate ? METHOD_DEFLATE : METHOD_STORE,
      time,
      date,
      crc: crc32(content),
      compressedSize: deflate ? 0 : content.length,
      size: content.length,
    };
    const localOffset = offset;
    yield out(localHeader(header));
    if (deflate) {
      const deflater = zlib.createDeflateRaw({ level, chunkSize: DEFLATE_CHUNK });
      deflater.end(content);
      for await (const chunk of deflater as AsyncIterable<Buffer>) {
        header.compressedSize += chunk.length;
        yield out(chunk);
      }
      yield out(dataDescriptor(header));
    } else {
      for (let at = 0; at < content.length; at += SLICE) yield out(content.subarray(at, at + SLICE));
    }
    central.push(centralHeader(header, localOffset));
  }
  const centralOffset = offset;
  for (const record of central) yield out(record);
  yield out(endRecord(central.length, offset - centralOffset, centralOffset));
}

/** the archive as a byte stream; it fails (and stops) with a PackageBuildError when a limit is crossed */
export function zipStream(entries: readonly ZipWriteEntry[], options: ZipWriteOptions): Readable {
  return Readable.from(zipChunks(entries, options), { objectMode: false });
}
