import { FileHandle, open } from 'node:fs/promises';
import { entryNameProblem, PackageLimits, PackageRejectedError, show } from './package-manifest';

/**
 * Our own strict scan of a ZIP's end record, central directory and local headers, over a random-access
 * source: a Buffer (tests, small packages) or a file (an upload spooled to disk), so that an import never needs
 * the archive in memory. What it accepts, the reader inflates entry by entry from the same source.
 */

/** random access to the bytes of an archive */
export interface ZipSource {
  readonly size: number;
  /** exactly `length` bytes at `position` (the caller keeps within `size`) */
  read(position: number, length: number): Promise<Buffer>;
  /**
   * the bytes [start, end) in slices. A slice is valid only until the next one is asked for: a file source
   * reads every slice into the same buffer, so that reading a whole package allocates (and leaves for the
   * garbage collector) nothing per slice. Callers that keep bytes copy them.
   */
  chunks(start: number, end: number): AsyncIterable<Buffer>;
  close(): Promise<void>;
}

export function bufferSource(buf: Buffer): ZipSource {
  return {
    size: buf.length,
    read: async (position, length) => buf.subarray(position, position + length),
    async *chunks(start, end) {
      for (let at = start; at < end; at += CHUNK_BYTES) yield buf.subarray(at, Math.min(end, at + CHUNK_BYTES));
    },
    close: async () => undefined,
  };
}

/** slices of entry data handed out by `chunks` */
const CHUNK_BYTES = 256 * 1024;

/**
 * A file opened for reading; entries are read from it by `chunks` into one reused buffer. A read stream per
 * entry would allocate a new buffer per 64 KiB read: garbage that piled up to ~30 MB (the whole archive's worth
 * at 10 MB) before V8's external-memory pressure collected it (bench/README.md).
 */
export async function fileSource(path: string): Promise<ZipSource> {
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  const slice = Buffer.allocUnsafe(CHUNK_BYTES);
  return {
    size,
    async read(position, length) {
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, position + done);
        if (bytesRead === 0) throw notAZip('the file ended early');
        done += bytesRead;
      }
      return out;
    },
    async *chunks(start, end) {
      for (let at = start; at < end; ) {
        const { bytesRead } = await handle.read(slice, 0, Math.min(CHUNK_BYTES, end - at), at);
        if (bytesRead === 0) throw notAZip('the file ended early');
        at += bytesRead;
        yield slice.subarray(0, bytesRead);
      }
    },
    close: () => handle.close(),
  };
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
/** end record (22) + longest comment */
const MAX_TAIL = 22 + 0xffff;
/**
 * Central directory records above this size per entry are refused (46 fixed bytes, a name of at most 512,
 * extra fields and comment): real writers use well under 200 bytes, and the directory is held in memory.
 */
const MAX_CENTRAL_BYTES_PER_ENTRY = 4096;

/** a little-endian uint64 as a number, or -1 when it does not fit in a safe integer (no archive here is that big) */
function readSafeUInt64(buf: Buffer, offset: number): number {
  if (offset < 0 || offset + 8 > buf.length) return -1;
  const value = buf.readBigUInt64LE(offset);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value);
}

/** the data of the extra field `id` (0x0001: ZIP64 extended information; 0x7075: Info-ZIP Unicode Path), or null */
function extraField(extra: Buffer, wanted: number): Buffer | null {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (at + 4 + size > extra.length) return null;
    if (id === wanted) return extra.subarray(at + 4, at + 4 + size);
    at += 4 + size;
  }
  return null;
}
const ZIP64_EXTRA = 0x0001;
const UNICODE_PATH_EXTRA = 0x7075;
export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;
/** a deflate stream of nothing takes 2 bytes (5 with an empty stored block, some writers add a sync marker) */
const EMPTY_DEFLATE_MAX = 8;

export interface ScannedEntry {
  name: string;
  isDirectory: boolean;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  /** where the entry's (compressed) data starts and ends in the archive */
  dataStart: number;
  dataEnd: number;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const notAZip = (why: string) => new PackageRejectedError('not-a-zip', `not a valid ZIP archive: ${why}`);
export const unsafeName = (name: string, why: string) => new PackageRejectedError('unsafe-entry-name', `unsafe entry name ${show(name)}: ${why}`);

/**
 * Read the end record and the central directory ourselves. Strict: ZIP64 read (end record and per-entry extra
 * fields), no multi-volume, no data before/after the archive, central directory exactly where the end record
 * says, local headers agreeing with the central directory (same name, method, no encryption), no overlapping
 * entries, names per entryNameProblem, no duplicates. Reads the tail, the central directory and each local
 * header; never the entries' data.
 */
export async function scanZip(source: ZipSource, limits: PackageLimits): Promise<ScannedEntry[]> {
  const size = source.size;
  if (size < 22) throw notAZip(size === 0 ? 'empty upload' : 'too short to hold an end-of-central-directory record');
  const tailStart = Math.max(0, size - MAX_TAIL - 20 - 56);
  const tail = await source.read(tailStart, size - tailStart);
  const at = (offset: number) => offset - tailStart; // archive offset -> offset in tail
  // the last end-record signature, and its comment must run exactly to the end of the upload
  let end = -1;
  for (let i = size - 22, stop = Math.max(0, size - MAX_TAIL); i >= stop; i--) {
    if (tail[at(i)] === 0x50 && tail.readUInt32LE(at(i)) === SIG_END) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    const first = await source.read(0, 4);
    throw notAZip(first.readUInt32LE(0) === SIG_LOCAL ? 'truncated or corrupt (no end-of-central-directory record)' : 'no end-of-central-directory record');
  }
  if (end + 22 + tail.readUInt16LE(at(end) + 20) !== size) throw notAZip('end-of-central-directory record is corrupt or the upload is truncated');

  let disk = tail.readUInt16LE(at(end) + 4);
  let centralDisk = tail.readUInt16LE(at(end) + 6);
  let entriesHere = tail.readUInt16LE(at(end) + 8);
  let entriesTotal = tail.readUInt16LE(at(end) + 10);
  let centralSize = tail.readUInt32LE(at(end) + 12);
  let centralOffset = tail.readUInt32LE(at(end) + 16);
  /** where the central directory must end: the end record, or the ZIP64 end record before it */
  let centralEnd = end;
  if ([disk, centralDisk, entriesHere, entriesTotal].includes(0xffff) || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    // ZIP64: the real counts and offsets are in the ZIP64 end record, found through the locator just before
    const locator = end - 20;
    if (locator < tailStart || tail.readUInt32LE(at(locator)) !== SIG_ZIP64_LOCATOR) throw notAZip('ZIP64 markers without a ZIP64 end-record locator');
    const record = readSafeUInt64(tail, at(locator) + 8);
    if (record < 0 || record + 56 > locator) throw notAZip('corrupt ZIP64 end record');
    const zip64 = await source.read(record, 56);
    if (zip64.readUInt32LE(0) !== SIG_ZIP64_END) throw notAZip('corrupt ZIP64 end record');
    entriesTotal = readSafeUInt64(zip64, 32);
    // counted first: a package with too many entries is refused as such, whatever else is wrong with it
    if (entriesTotal < 0 || entriesTotal > limits.maxEntries)
      throw new PackageRejectedError('too-many-entries', `the package has ${entriesTotal < 0 ? 'billions of' : entriesTotal} entries, more than the ${limits.maxEntries} allowed`);
    if (record + 12 + readSafeUInt64(zip64, 4) !== locator) throw notAZip('corrupt ZIP64 end record');
    if (tail.readUInt32LE(at(locator) + 4) !== 0 || tail.readUInt32LE(at(locator) + 16) !== 1) throw notAZip('multi-volume archives are not supported');
    disk = zip64.readUInt32LE(16);
    centralDisk = zip64.readUInt32LE(20);
    entriesHere = readSafeUInt64(zip64, 24);
    centralSize = readSafeUInt64(zip64, 40);
    centralOffset = readSafeUInt64(zip64, 48);
    centralEnd = record;
  }
  if (entriesTotal > limits.maxEntries)
    throw new PackageRejectedError('too-many-entries', `the package has ${entriesTotal} entries, more than the ${limits.maxEntries} allowed`);
  if (disk !== 0 || centralDisk !== 0 || entriesHere !== entriesTotal) throw notAZip('multi-volume archives are not supported');
  if (centralSize < 0 || centralOffset < 0 || centralOffset + centralSize !== centralEnd)
    throw notAZip('the central directory is not where the end record says (truncated, or data before or after the archive)');
  if (centralSize > Math.max(1, entriesTotal) * MAX_CENTRAL_BYTES_PER_ENTRY) throw notAZip('the central directory is larger than its entries can need');

  const central = await source.read(centralOffset, centralSize);
  const entries: ScannedEntry[] = [];
  const seen = new Set<string>();
  let p = 0;
  for (let i = 0; i < entriesTotal; i++) {
    if (p + 46 > centralSize || central.readUInt32LE(p) !== SIG_CENTRAL) throw notAZip('corrupt central directory');
    const madeBy = central.readUInt16LE(p + 4);
    const flags = central.readUInt16LE(p + 8);
    const method = central.readUInt16LE(p + 10);
    const crc32 = central.readUInt32LE(p + 16);
    let compressedSize = central.readUInt32LE(p + 20);
    let uncompressedSize = central.readUInt32LE(p + 24);
    const nameLength = central.readUInt16LE(p + 28);
    const extraLength = central.readUInt16LE(p + 30);
    const commentLength = central.readUInt16LE(p + 32);
    const externalAttributes = central.readUInt32LE(p + 38);
    let localOffset = central.readUInt32LE(p + 42);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > centralSize) throw notAZip('corrupt central directory');
    const rawName = central.subarray(p + 46, p + 46 + nameLength);
    const extra = central.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    p = next;

    let name: string;
    try {
      name = utf8Strict.decode(rawName);
    } catch {
      throw unsafeName(rawName.toString('latin1'), 'not valid UTF-8');
    }
    if (flags & 0x0041) throw notAZip(`entry ${show(name)} is encrypted`);
    // other unzippers (Info-ZIP, jszip) take the name from a Unicode Path field: it may not say anything else
    const unicodePath = extraField(extra, UNICODE_PATH_EXTRA);
    if (unicodePath && (unicodePath.length < 5 || unicodePath.subarray(5).toString('utf8') !== name))
      throw unsafeName(name, 'a Unicode Path extra field names a different file');
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // ZIP64 entry: the 64-bit values are in its extra field 0x0001, in this order, only those marked
      const zip64 = extraField(extra, ZIP64_EXTRA);
      if (!zip64) throw notAZip(`ZIP64 entry ${show(name)} without its ZIP64 extra field`);
      let at64 = 0;
      const take = () => (at64 + 8 <= zip64.length ? readSafeUInt64(zip64, (at64 += 8) - 8) : -1);
      if (uncompressedSize === 0xffffffff) uncompressedSize = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (localOffset === 0xffffffff) localOffset = take();
      if (uncompressedSize < 0 || compressedSize < 0 || localOffset < 0) throw notAZip(`ZIP64 entry ${show(name)} has a corrupt ZIP64 extra field`);
    }
    if (method !== METHOD_STORE && method !== METHOD_DEFLATE) throw notAZip(`entry ${show(name)} uses unsupported compression method ${method}`);

    // DOS directory bit, Unix S_IFDIR bit, or a trailing slash
    const isDirectory = (externalAttributes & 0x10) !== 0 || (madeBy >> 8 === 3 && ((externalAttributes >>> 16) & 0x4000) !== 0) || name.endsWith('/');
    const problem = entryNameProblem(name, isDirectory);
    if (problem) throw unsafeName(name, problem);
    const key = isDirectory && !name.endsWith('/') ? `${name}/` : name;
    if (seen.has(key)) throw unsafeName(name, 'duplicate entry name');
    seen.add(key);

    const emptyMax = method === METHOD_DEFLATE ? EMPTY_DEFLATE_MAX : 0;
    if (isDirectory && (uncompressedSize > 0 || compressedSize > emptyMax)) throw notAZip(`directory entry ${show(name)} carries data`);
    // an entry that declares 0 bytes must carry none (some readers would give nothing, others what it carries)
    if (uncompressedSize === 0 && compressedSize > emptyMax) throw notAZip(`entry ${show(name)} declares 0 bytes but carries ${compressedSize} compressed bytes`);
    if (method === METHOD_STORE && compressedSize !== uncompressedSize) throw notAZip(`stored entry ${show(name)} has different compressed and uncompressed sizes`);

    // the local header must agree (some tools take the name from there, others from the central directory)
    if (localOffset + 30 > centralOffset) throw notAZip(`entry ${show(name)}: bad local header offset`);
    const local = await source.read(localOffset, Math.min(30 + nameLength, centralOffset - localOffset));
    if (local.readUInt32LE(0) !== SIG_LOCAL) throw notAZip(`entry ${show(name)}: bad local header offset`);
    const localFlags = local.readUInt16LE(6);
    const localMethod = local.readUInt16LE(8);
    const localNameLength = local.readUInt16LE(26);
    const localExtraLength = local.readUInt16LE(28);
    const dataStart = localOffset + 30 + localNameLength + localExtraLength;
    if (dataStart > centralOffset) throw notAZip(`entry ${show(name)}: local header runs into the central directory`);
    if (localNameLength !== nameLength || !local.subarray(30, 30 + nameLength).equals(rawName))
      throw unsafeName(name, 'the local header names a different file than the central directory');
    if (localMethod !== method || (localFlags & 0x0041) !== 0) throw notAZip(`entry ${show(name)}: local header disagrees with the central directory`);
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > centralOffset) throw notAZip(`entry ${show(name)}: data runs past the start of the central directory`);

    entries.push({ name, isDirectory, method, crc32, compressedSize, uncompressedSize, localOffset, dataStart, dataEnd });
  }
  if (p !== centralSize) throw notAZip('the central directory holds more than the end record announces');

  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i - 1].dataEnd > byOffset[i].localOffset) throw notAZip(`entries ${show(byOffset[i - 1].name)} and ${show(byOffset[i].name)} overlap`);
  }
  return entries;
}
