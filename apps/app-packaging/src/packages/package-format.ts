import { PassThrough, Readable } from 'node:stream';
/**
 * App package format, version 1: a ZIP holding
 *
 *   manifest.json    what the package is, where it came from, what it needs (schema below)
 *   definition.json  the app definition (any JSON)
 *   assets/...       optional opaque files
 *   signature.jws    optional: the exporting stack's signature over manifest.json (see package-signing.ts);
 *                    the one entry the manifest does not list
 *
 * Pure module: in-memory buffers only, no Nest, no file system, no network.
 *
 * Reading treats every package as hostile. `readPackage` checks, in this order, and stops at the first
 * problem with a `PackageRejectedError` whose `code` is stable:
 *
 *   1. size of the upload                                    413 package-too-large   (before any parsing)
 *   2. ZIP structure, by our own scan of the central directory:
 *      - more entries than allowed                             413 too-many-entries    (from the end record or
 *                                                                                      the ZIP64 end record,
 *                                                                                      before anything else)
 *      - not a ZIP, truncated, corrupt, multi-volume, encrypted,
 *        unknown compression, overlapping entries              400 not-a-zip           (ZIP64 is read)
 *      - unsafe or duplicate names                             400 unsafe-entry-name
 *   3. sizes declared in the headers (sum, ratio)              413 zip-bomb            (nothing inflated yet)
 *   4. jszip parse; jszip's view must equal ours               400 not-a-zip / unsafe-entry-name
 *   5. manifest.json present, JSON, version, schema            422 manifest-*, unsupported-format-version
 *   6. manifest file list == ZIP entries                       422 file-list-mismatch
 *   7. each listed file inflated with byte counting:
 *      more bytes than declared / budget / ratio               413 zip-bomb            (aborted mid-stream)
 *      CRC-32 or length disagreeing with the ZIP header        400 not-a-zip
 *      sha256 / size disagreeing with the manifest             422 checksum-mismatch
 *      definition.json too big / not JSON                      413 definition-too-large / 422 definition-invalid
 *
 * Header sizes are never trusted: each entry is inflated through jszip's `internalStream`, the produced bytes
 * are counted chunk by chunk, and the stream is paused and abandoned as soon as a cap is crossed.
 */
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import JSZip from 'jszip';
import { z } from 'zod';
import { REGIONS } from '@lib/contracts/regions';

// ---------------------------------------------------------------------------------------------------------
// constants and limits

/** the package format version this server writes and reads */
export const PACKAGE_FORMAT_VERSION = 1 as const;

export const MANIFEST_PATH = 'manifest.json';
export const DEFINITION_PATH = 'definition.json';
export const ASSETS_PREFIX = 'assets/';
export const SIGNATURE_PATH = 'signature.jws';
/** a compact ES256 JWS of a small payload is well under 1 KiB */
export const MAX_SIGNATURE_BYTES = 8 * 1024;

/** manifest.json is small by construction (1000 files * ~150 bytes); anything bigger is refused (413) */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** longest entry name accepted, in UTF-8 bytes */
export const MAX_ENTRY_NAME_BYTES = 512;
/**
 * The compression-ratio cap applies to `max(compressedSize, RATIO_FLOOR_BYTES)`, so that tiny, very
 * compressible files (1 KB of spaces deflates to ~10 bytes) are not mistaken for bombs. With the default ratio
 * of 100 an entry may always inflate to 1.6 MiB; beyond that it needs a proportionate compressed size.
 */
export const RATIO_FLOOR_BYTES = 16 * 1024;

const MiB = 1024 * 1024;

export interface PackageLimits {
  /** size of the ZIP itself */
  maxBytes: number;
  /** entries in the ZIP, directories included */
  maxEntries: number;
  /** total inflated bytes over all entries */
  maxUncompressedBytes: number;
  /** inflated / compressed, per entry (see RATIO_FLOOR_BYTES) */
  maxCompressionRatio: number;
  /** inflated size of definition.json */
  maxDefinitionBytes: number;
}

export const DEFAULT_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxBytes: 50 * MiB,
  maxEntries: 1000,
  maxUncompressedBytes: 200 * MiB,
  maxCompressionRatio: 100,
  maxDefinitionBytes: 5 * MiB,
});

// ---------------------------------------------------------------------------------------------------------
// errors

export const PACKAGE_REJECTION_STATUS = {
  'package-too-large': 413,
  'not-a-zip': 400,
  'too-many-entries': 413,
  'unsafe-entry-name': 400,
  'zip-bomb': 413,
  'manifest-missing': 422,
  'manifest-too-large': 413,
  'manifest-invalid': 422,
  'unsupported-format-version': 422,
  'file-list-mismatch': 422,
  'checksum-mismatch': 422,
  'definition-too-large': 413,
  'definition-invalid': 422,
  'signature-invalid': 422,
} as const;

export type PackageRejectionCode = keyof typeof PACKAGE_REJECTION_STATUS;
export type PackageRejectionStatus = (typeof PACKAGE_REJECTION_STATUS)[PackageRejectionCode];

/** A package refused on read. `status` is the HTTP status to answer with; `code` is stable, `message` is for humans. */
export class PackageRejectedError extends Error {
  override readonly name = 'PackageRejectedError';
  readonly status: PackageRejectionStatus;

  constructor(
    readonly code: PackageRejectionCode,
    message: string,
    /** for manifest-invalid: one line per zod issue (`path: message`) */
    readonly issues?: string[],
  ) {
    super(message);
    this.status = PACKAGE_REJECTION_STATUS[code];
  }

  toJSON(): { status: PackageRejectionStatus; code: PackageRejectionCode; message: string; issues?: string[] } {
    return { status: this.status, code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** buildPackage was given something it will not write (a programming error on the export side, not a user upload) */
export class PackageBuildError extends Error {
  override readonly name = 'PackageBuildError';
  constructor(message: string, readonly issues?: string[]) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// entry names

/**
 * Why `name` is not acceptable as an entry name, or null when it is. Same rules for reading and building.
 * Refused: empty, longer than MAX_ENTRY_NAME_BYTES, NUL / C0 / C1 control characters, backslashes, absolute
 * paths, any `:` (drive letters `C:`, NTFS streams `a:b`), and `.`, `..` or empty segments. A directory
 * entry (`isDirectory`) may end with one `/`.
 */
export function entryNameProblem(name: string, isDirectory = false): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'empty name';
  if (Buffer.byteLength(name, 'utf8') > MAX_ENTRY_NAME_BYTES) return `name longer than ${MAX_ENTRY_NAME_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'control character in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'drive letter';
  if (name.includes(':')) return 'colon in name';
  const path = isDirectory && name.endsWith('/') ? name.slice(0, -1) : name;
  for (const segment of path.split('/')) {
    if (segment === '') return 'empty path segment';
    if (segment === '..') return "'..' segment";
    if (segment === '.') return "'.' segment";
  }
  return null;
}

/** a name for messages: quoted, control characters escaped, long names cut */
function show(name: string): string {
  const quoted = JSON.stringify(name);
  return quoted.length > 120 ? `${quoted.slice(0, 117)}..."` : quoted;
}

// ---------------------------------------------------------------------------------------------------------
// manifest schema

const SHORT_TEXT = z.string().min(1).max(200);
const KIND = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case kebab-case, at most 64 characters');
const SLOT = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be letters, digits, _ or -, at most 64 characters');
const IDENTIFIER = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be an identifier (letters, digits, . _ : -), at most 200 characters');

export const RequirementSchema = z
  .object({
    slot: SLOT,
    kind: KIND,
    /** what the requirement was bound to in the source organization; informational only */
    hint: z.object({ name: SHORT_TEXT, kind: KIND }).strict().optional(),
  })
  .strict();

export const ManifestFileSchema = z
  .object({
    path: z.string().superRefine((path, ctx) => {
      const problem = entryNameProblem(path);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unsafe path (${problem})` });
      else if (path !== DEFINITION_PATH && !(path.startsWith(ASSETS_PREFIX) && path.length > ASSETS_PREFIX.length))
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be ${DEFINITION_PATH} or under ${ASSETS_PREFIX}` });
    }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  })
  .strict();

export const ManifestSchema = z
  .object({
    formatVersion: z.literal(PACKAGE_FORMAT_VERSION),
    app: z
      .object({
        name: SHORT_TEXT,
        version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
        /** stable across exports and imports; an import of the same key can upgrade the app */
        key: IDENTIFIER.optional(),
      })
      .strict(),
    exportedAt: z.string().datetime({ offset: true }),
    exportedBy: IDENTIFIER,
    source: z.object({ organizationId: IDENTIFIER, organizationName: SHORT_TEXT, region: z.enum(REGIONS) }).strict(),
    requirements: z.array(RequirementSchema).max(500),
    files: z.array(ManifestFileSchema).min(1).max(10_000),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const slots = new Set<string>();
    manifest.requirements.forEach((requirement, i) => {
      if (slots.has(requirement.slot))
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['requirements', i, 'slot'], message: `duplicate slot ${show(requirement.slot)}` });
      slots.add(requirement.slot);
    });
    const paths = new Set<string>();
    manifest.files.forEach((file, i) => {
      if (paths.has(file.path))
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['files', i, 'path'], message: `duplicate path ${show(file.path)}` });
      paths.add(file.path);
    });
    if (!paths.has(DEFINITION_PATH))
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['files'], message: `must list ${DEFINITION_PATH}` });
    // `assets/a` and `assets/a/b` cannot both be files
    for (const path of paths) {
      for (let cut = path.indexOf('/'); cut > 0; cut = path.indexOf('/', cut + 1)) {
        if (paths.has(path.slice(0, cut)))
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['files'], message: `${show(path.slice(0, cut))} is both a file and a directory` });
      }
    }
  });

export type Manifest = z.infer<typeof ManifestSchema>;
export type PackageRequirement = z.infer<typeof RequirementSchema>;
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

export interface PackageAsset {
  /** `assets/...` */
  path: string;
  content: Buffer;
}

export interface BuildPackageInput {
  manifest: Omit<Manifest, 'files' | 'formatVersion'>;
  definition: unknown;
  assets?: PackageAsset[];
  /** signs the exact bytes of manifest.json; the result is written as signature.jws */
  sign?: (manifest: Buffer) => string;
}

export interface ReadPackage {
  manifest: Manifest;
  definition: unknown;
  assets: PackageAsset[];
  /** the exact bytes of manifest.json, which a signature covers */
  manifestBytes: Buffer;
  /** signature.jws as text, or null when the package has none (not verified here) */
  signature: string | null;
}

function zodIssues(error: z.ZodError): string[] {
  const lines = error.issues.slice(0, 20).map((issue) => {
    const at = issue.path.length ? issue.path.join('.') : '(root)';
    const message = issue.message.length > 200 ? `${issue.message.slice(0, 197)}...` : issue.message;
    return `${at}: ${message}`;
  });
  if (error.issues.length > 20) lines.push(`... and ${error.issues.length - 20} more`);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------
// format versions

/**
 * Upgrade steps, one per old version: `MANIFEST_UPGRADES[n]` turns a version-n manifest (raw JSON, not yet
 * validated) into a version n+1 manifest. Version 1 is the first version, so there are none yet. When version 2
 * ships: bump PACKAGE_FORMAT_VERSION, change the schema, and add `1: (m) => ({ ...m, formatVersion: 2, ... })`
 * here so that packages exported by older servers keep importing. Packages newer than this server are refused
 * with `unsupported-format-version` (a newer package cannot be read safely by an older schema).
 */
const MANIFEST_UPGRADES: Readonly<Record<number, (raw: Record<string, unknown>) => Record<string, unknown>>> = {};

/**
 * Bring a parsed (still untrusted) manifest to the current format version. Does not validate the result: run
 * ManifestSchema afterwards. Throws `unsupported-format-version` for an integer version newer than this
 * server's. Anything else that is not a known version (missing, `"1"`, 0, 1.5) is left for the schema to refuse
 * as `manifest-invalid`.
 */
export function upgradeManifest(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  let manifest = raw as Record<string, unknown>;
  const version = manifest.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return raw;
  if (version > PACKAGE_FORMAT_VERSION) {
    throw new PackageRejectedError(
      'unsupported-format-version',
      `package format version ${version} is newer than this server reads (format version ${PACKAGE_FORMAT_VERSION}); upgrade the server or export the app again from a server that writes version ${PACKAGE_FORMAT_VERSION}`,
    );
  }
  for (let from = version; from < PACKAGE_FORMAT_VERSION; from++) {
    const step = MANIFEST_UPGRADES[from];
    if (!step) return manifest; // a gap in the upgrade chain: the schema will refuse it
    manifest = step(manifest);
  }
  return manifest;
}

// ---------------------------------------------------------------------------------------------------------
// building

const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * Write a package: manifest.json first, then definition.json, then the assets, all DEFLATE. The manifest is
 * validated with the same strict schema as on read, so unexpected fields (resource ids, bindings, secrets) make
 * the build throw rather than leak. `limits` (default DEFAULT_PACKAGE_LIMITS) are checked so that a package this
 * function writes is one readPackage accepts.
 */
export async function buildPackage(input: BuildPackageInput, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS): Promise<Buffer> {
  const zip = preparePackage(input, limits);
  const out = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
  if (out.length > limits.maxBytes) throw new PackageBuildError(`package is ${out.length} bytes, more than ${limits.maxBytes}`);
  return out;
}

/**
 * The same package as a stream (entries with data descriptors), so an export never holds the whole archive:
 * measured in bench/packages.bench.ts. The archive's size is known only once the stream ends.
 */
export function buildPackageStream(input: BuildPackageInput, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS): Readable {
  const source = preparePackage(input, limits).generateNodeStream({
    type: 'nodebuffer',
    streamFiles: true,
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
  });
  // jszip's stream is a readable-stream v2 object: hand out a native stream that carries its errors
  const out = new PassThrough();
  source.on('error', (error: Error) => out.destroy(error));
  source.pipe(out);
  return out;
}

function preparePackage(input: BuildPackageInput, limits: PackageLimits): JSZip {
  let definitionText: string | undefined;
  try {
    definitionText = JSON.stringify(input.definition);
  } catch (e) {
    throw new PackageBuildError(`definition is not serializable to JSON: ${(e as Error).message}`);
  }
  if (definitionText === undefined) throw new PackageBuildError('definition is not serializable to JSON');
  const definition = Buffer.from(definitionText, 'utf8');
  if (definition.length > limits.maxDefinitionBytes)
    throw new PackageBuildError(`definition.json is ${definition.length} bytes, more than ${limits.maxDefinitionBytes}`);

  const assets = input.assets ?? [];
  const seen = new Set<string>();
  for (const asset of assets) {
    const problem = entryNameProblem(asset.path);
    if (problem) throw new PackageBuildError(`asset path ${show(asset.path)} is unsafe (${problem})`);
    if (!asset.path.startsWith(ASSETS_PREFIX)) throw new PackageBuildError(`asset path ${show(asset.path)} must be under ${ASSETS_PREFIX}`);
    if (seen.has(asset.path)) throw new PackageBuildError(`duplicate asset path ${show(asset.path)}`);
    if (!(asset.content instanceof Uint8Array)) throw new PackageBuildError(`asset ${show(asset.path)} content must be a Buffer`);
    seen.add(asset.path);
  }

  const files: ManifestFile[] = [
    { path: DEFINITION_PATH, sha256: sha256Hex(definition), size: definition.length },
    ...assets.map((asset) => ({ path: asset.path, sha256: sha256Hex(asset.content), size: asset.content.length })),
  ];
  const parsed = ManifestSchema.safeParse({ ...input.manifest, formatVersion: PACKAGE_FORMAT_VERSION, files });
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new PackageBuildError(`manifest is invalid: ${issues.join('; ')}`, issues);
  }
  const manifest = Buffer.from(JSON.stringify(parsed.data, null, 2), 'utf8');
  if (manifest.length > MAX_MANIFEST_BYTES) throw new PackageBuildError(`manifest.json would be ${manifest.length} bytes, more than ${MAX_MANIFEST_BYTES}`);
  if (files.length + 1 > limits.maxEntries) throw new PackageBuildError(`${files.length + 1} entries, more than ${limits.maxEntries}`);
  const total = manifest.length + files.reduce((sum, file) => sum + file.size, 0);
  if (total > limits.maxUncompressedBytes) throw new PackageBuildError(`${total} bytes uncompressed, more than ${limits.maxUncompressedBytes}`);

  const exportedAt = new Date(parsed.data.exportedAt);
  const options: JSZip.JSZipFileOptions = { binary: true, createFolders: false, compression: 'DEFLATE', compressionOptions: { level: 6 }, date: exportedAt };
  const zip = new JSZip();
  zip.file(MANIFEST_PATH, manifest, options);
  if (input.sign) zip.file(SIGNATURE_PATH, Buffer.from(input.sign(manifest), 'utf8'), options);
  zip.file(DEFINITION_PATH, definition, options);
  for (const asset of assets) zip.file(asset.path, asset.content, options);
  return zip;
}

// ---------------------------------------------------------------------------------------------------------
// reading: our own scan of the ZIP structure

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

/** a little-endian uint64 as a number, or -1 when it does not fit in a safe integer (no archive here is that big) */
function readSafeUInt64(buf: Buffer, offset: number): number {
  if (offset < 0 || offset + 8 > buf.length) return -1;
  const value = buf.readBigUInt64LE(offset);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value);
}

/** the data of the ZIP64 extended-information extra field (id 0x0001), or null */
function zip64ExtraField(extra: Buffer): Buffer | null {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (at + 4 + size > extra.length) return null;
    if (id === 0x0001) return extra.subarray(at + 4, at + 4 + size);
    at += 4 + size;
  }
  return null;
}
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
/** a deflate stream of nothing takes 2 bytes (5 with an empty stored block, some writers add a sync marker) */
const EMPTY_DEFLATE_MAX = 8;

interface ScannedEntry {
  name: string;
  isDirectory: boolean;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  dataEnd: number;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const notAZip = (why: string) => new PackageRejectedError('not-a-zip', `not a valid ZIP archive: ${why}`);
const unsafeName = (name: string, why: string) => new PackageRejectedError('unsafe-entry-name', `unsafe entry name ${show(name)}: ${why}`);

/**
 * Read the end record and the central directory ourselves (jszip only tells us what survives its name
 * rewriting and de-duplication). Strict: ZIP64 read (end record and per-entry extra fields), no multi-volume, no data before/after the archive, central
 * directory exactly where the end record says, local headers agreeing with the central directory, no
 * overlapping entries, names per entryNameProblem, no duplicates.
 */
function scanZip(buf: Buffer, limits: PackageLimits): ScannedEntry[] {
  if (buf.length < 22) throw notAZip(buf.length === 0 ? 'empty upload' : 'too short to hold an end-of-central-directory record');
  // the last end-record signature, as jszip does, and its comment must run exactly to the end of the upload
  let end = -1;
  for (let i = buf.length - 22, stop = Math.max(0, buf.length - 22 - 0xffff); i >= stop; i--) {
    if (buf[i] === 0x50 && buf.readUInt32LE(i) === SIG_END) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    throw notAZip(buf.readUInt32LE(0) === SIG_LOCAL ? 'truncated or corrupt (no end-of-central-directory record)' : 'no end-of-central-directory record');
  }
  if (end + 22 + buf.readUInt16LE(end + 20) !== buf.length) throw notAZip('end-of-central-directory record is corrupt or the upload is truncated');

  let disk = buf.readUInt16LE(end + 4);
  let centralDisk = buf.readUInt16LE(end + 6);
  let entriesHere = buf.readUInt16LE(end + 8);
  let entriesTotal = buf.readUInt16LE(end + 10);
  let centralSize = buf.readUInt32LE(end + 12);
  let centralOffset = buf.readUInt32LE(end + 16);
  /** where the central directory must end: the end record, or the ZIP64 end record before it */
  let centralEnd = end;
  if ([disk, centralDisk, entriesHere, entriesTotal].includes(0xffff) || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    // ZIP64: the real counts and offsets are in the ZIP64 end record, found through the locator just before
    const locator = end - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== SIG_ZIP64_LOCATOR) throw notAZip('ZIP64 markers without a ZIP64 end-record locator');
    const record = readSafeUInt64(buf, locator + 8);
    if (record < 0 || record + 56 > locator || buf.readUInt32LE(record) !== SIG_ZIP64_END) throw notAZip('corrupt ZIP64 end record');
    entriesTotal = readSafeUInt64(buf, record + 32);
    // counted first: a package with too many entries is refused as such, whatever else is wrong with it
    if (entriesTotal < 0 || entriesTotal > limits.maxEntries)
      throw new PackageRejectedError('too-many-entries', `the package has ${entriesTotal < 0 ? 'billions of' : entriesTotal} entries, more than the ${limits.maxEntries} allowed`);
    if (record + 12 + readSafeUInt64(buf, record + 4) !== locator) throw notAZip('corrupt ZIP64 end record');
    if (buf.readUInt32LE(locator + 4) !== 0 || buf.readUInt32LE(locator + 16) !== 1) throw notAZip('multi-volume archives are not supported');
    disk = buf.readUInt32LE(record + 16);
    centralDisk = buf.readUInt32LE(record + 20);
    entriesHere = readSafeUInt64(buf, record + 24);
    centralSize = readSafeUInt64(buf, record + 40);
    centralOffset = readSafeUInt64(buf, record + 48);
    centralEnd = record;
  }
  if (entriesTotal > limits.maxEntries)
    throw new PackageRejectedError('too-many-entries', `the package has ${entriesTotal} entries, more than the ${limits.maxEntries} allowed`);
  if (disk !== 0 || centralDisk !== 0 || entriesHere !== entriesTotal) throw notAZip('multi-volume archives are not supported');
  if (centralSize < 0 || centralOffset < 0 || centralOffset + centralSize !== centralEnd)
    throw notAZip('the central directory is not where the end record says (truncated, or data before or after the archive)');

  const entries: ScannedEntry[] = [];
  const seen = new Set<string>();
  let p = centralOffset;
  for (let i = 0; i < entriesTotal; i++) {
    if (p + 46 > centralEnd || buf.readUInt32LE(p) !== SIG_CENTRAL) throw notAZip('corrupt central directory');
    const madeBy = buf.readUInt16LE(p + 4);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc32 = buf.readUInt32LE(p + 16);
    let compressedSize = buf.readUInt32LE(p + 20);
    let uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const externalAttributes = buf.readUInt32LE(p + 38);
    let localOffset = buf.readUInt32LE(p + 42);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > centralEnd) throw notAZip('corrupt central directory');
    const rawName = buf.subarray(p + 46, p + 46 + nameLength);
    const extra = buf.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    p = next;

    let name: string;
    try {
      name = utf8Strict.decode(rawName);
    } catch {
      throw unsafeName(rawName.toString('latin1'), 'not valid UTF-8');
    }
    if (flags & 0x0041) throw notAZip(`entry ${show(name)} is encrypted`);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // ZIP64 entry: the 64-bit values are in its extra field 0x0001, in this order, only those marked
      const zip64 = zip64ExtraField(extra);
      if (!zip64) throw notAZip(`ZIP64 entry ${show(name)} without its ZIP64 extra field`);
      let at = 0;
      const take = () => (at + 8 <= zip64.length ? readSafeUInt64(zip64, (at += 8) - 8) : -1);
      if (uncompressedSize === 0xffffffff) uncompressedSize = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (localOffset === 0xffffffff) localOffset = take();
      if (uncompressedSize < 0 || compressedSize < 0 || localOffset < 0) throw notAZip(`ZIP64 entry ${show(name)} has a corrupt ZIP64 extra field`);
    }
    if (method !== METHOD_STORE && method !== METHOD_DEFLATE) throw notAZip(`entry ${show(name)} uses unsupported compression method ${method}`);

    // the same directory test as jszip: DOS directory bit, Unix S_IFDIR bit, or a trailing slash
    const isDirectory = (externalAttributes & 0x10) !== 0 || (madeBy >> 8 === 3 && ((externalAttributes >>> 16) & 0x4000) !== 0) || name.endsWith('/');
    const problem = entryNameProblem(name, isDirectory);
    if (problem) throw unsafeName(name, problem);
    const key = isDirectory && !name.endsWith('/') ? `${name}/` : name;
    if (seen.has(key)) throw unsafeName(name, 'duplicate entry name');
    seen.add(key);

    const emptyMax = method === METHOD_DEFLATE ? EMPTY_DEFLATE_MAX : 0;
    if (isDirectory && (uncompressedSize > 0 || compressedSize > emptyMax)) throw notAZip(`directory entry ${show(name)} carries data`);
    // jszip replaces the content of an entry that declares 0 bytes by nothing; other unzippers would not
    if (uncompressedSize === 0 && compressedSize > emptyMax) throw notAZip(`entry ${show(name)} declares 0 bytes but carries ${compressedSize} compressed bytes`);
    if (method === METHOD_STORE && compressedSize !== uncompressedSize) throw notAZip(`stored entry ${show(name)} has different compressed and uncompressed sizes`);

    // the local header must agree (jszip takes the name from there, other tools from the central directory)
    if (localOffset + 30 > centralOffset || buf.readUInt32LE(localOffset) !== SIG_LOCAL) throw notAZip(`entry ${show(name)}: bad local header offset`);
    const localFlags = buf.readUInt16LE(localOffset + 6);
    const localMethod = buf.readUInt16LE(localOffset + 8);
    const localNameLength = buf.readUInt16LE(localOffset + 26);
    const localExtraLength = buf.readUInt16LE(localOffset + 28);
    const dataStart = localOffset + 30 + localNameLength + localExtraLength;
    if (dataStart > centralOffset) throw notAZip(`entry ${show(name)}: local header runs into the central directory`);
    if (!buf.subarray(localOffset + 30, localOffset + 30 + localNameLength).equals(rawName))
      throw unsafeName(name, 'the local header names a different file than the central directory');
    if (localMethod !== method || (localFlags & 0x0041) !== 0) throw notAZip(`entry ${show(name)}: local header disagrees with the central directory`);
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > centralOffset) throw notAZip(`entry ${show(name)}: data runs past the start of the central directory`);

    entries.push({ name, isDirectory, method, crc32, compressedSize, uncompressedSize, localOffset, dataEnd });
  }
  if (p !== centralEnd) throw notAZip('the central directory holds more than the end record announces');

  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i - 1].dataEnd > byOffset[i].localOffset) throw notAZip(`entries ${show(byOffset[i - 1].name)} and ${show(byOffset[i].name)} overlap`);
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------------------
// reading: inflating with byte counting

/** jszip's streaming API on a ZipObject; present at runtime, missing from jszip's typings */
interface InternalStream {
  on(event: 'data', listener: (chunk: Uint8Array) => void): InternalStream;
  on(event: 'end', listener: () => void): InternalStream;
  on(event: 'error', listener: (error: Error) => void): InternalStream;
  pause(): InternalStream;
  resume(): InternalStream;
}
interface StreamableZipObject {
  internalStream(type: 'uint8array'): InternalStream;
}

const crc32Table = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
/** zlib.crc32 exists from Node 20.15 / 22.2; the table is for older runtimes */
const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
function crc32(data: Uint8Array, previous: number): number {
  if (nativeCrc32) return nativeCrc32(data, previous);
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = crc32Table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface InflateCaps {
  limits: PackageLimits;
  /** bytes inflated so far over the whole package; updated as chunks arrive */
  budget: { inflated: number };
  /** an entry-specific cap (definition, manifest) and the error to throw when it is crossed */
  entryCap?: { bytes: number; error: (inflated: number) => PackageRejectedError };
  /** count, CRC and hash the bytes but keep none of them (the content resolves empty) */
  discard?: boolean;
}

/**
 * Inflate one entry through jszip's internalStream, counting the bytes actually produced. As soon as a cap is
 * crossed the stream is paused and dropped and the promise rejects; the chunks received so far are released.
 * jszip hands pako 16 KiB of compressed input per tick and pako emits every output chunk of that block
 * synchronously, so up to ~16 MiB more may be decoded (and discarded, never kept) after the cap.
 *
 * The first cap is the size the header declares: since readPackage has already checked the declared sizes
 * against the budget and the ratio, an entry that stays within its declaration stays within those too. The
 * budget, ratio and entry caps are still counted here on the real bytes, as a second line of defence.
 */
function inflateEntry(zip: JSZip, entry: ScannedEntry, caps: InflateCaps): Promise<{ content: Buffer; sha256: string }> {
  const { limits, budget, entryCap, discard } = caps;
  const object = zip.files[entry.name] as unknown as StreamableZipObject | undefined;
  if (!object) return Promise.reject(notAZip(`entry ${show(entry.name)} is unreadable`));
  const ratioCap = limits.maxCompressionRatio * Math.max(entry.compressedSize, RATIO_FLOOR_BYTES);

  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const hash = createHash('sha256');
    let inflated = 0;
    let crc = 0;
    let settled = false;
    const stream = object.internalStream('uint8array');
    const fail = (error: PackageRejectedError) => {
      if (settled) return;
      settled = true;
      stream.pause();
      chunks.length = 0;
      reject(error);
    };
    const bomb = (why: string) => new PackageRejectedError('zip-bomb', `entry ${show(entry.name)} ${why}; refused as a possible zip bomb`);

    stream.on('data', (chunk) => {
      // never throw here: this runs inside jszip's scheduled tick, an exception would escape the promise
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
    stream.on('error', (error) => fail(notAZip(`entry ${show(entry.name)} is corrupt (${error.message})`)));
    stream.on('end', () => {
      if (settled) return;
      if (inflated !== entry.uncompressedSize) return fail(notAZip(`entry ${show(entry.name)} inflates to ${inflated} bytes, its header says ${entry.uncompressedSize}`));
      if (crc !== entry.crc32) return fail(notAZip(`entry ${show(entry.name)} is corrupt (CRC-32 mismatch)`));
      settled = true;
      resolve({ content: discard ? Buffer.alloc(0) : Buffer.concat(chunks, inflated), sha256: hash.digest('hex') });
    });
    stream.resume();
  });
}

// ---------------------------------------------------------------------------------------------------------
// reading

function checkLimits(limits: PackageLimits): void {
  for (const key of ['maxBytes', 'maxEntries', 'maxUncompressedBytes', 'maxCompressionRatio', 'maxDefinitionBytes'] as const) {
    if (typeof limits?.[key] !== 'number' || !(limits[key] > 0)) throw new TypeError(`PackageLimits.${key} must be a positive number`);
  }
}

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; why: string } {
  try {
    // strips one leading BOM, refuses invalid UTF-8
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, why: (e as Error).message.slice(0, 200) };
  }
}

/**
 * Read and verify an uploaded package. Resolves with the validated manifest, the parsed definition and the
 * assets (in manifest order), or rejects with a PackageRejectedError (see the top of this file for the order of
 * checks). Any other error is a bug.
 */
export interface ReadPackageOptions {
  /**
   * `verify` (default `keep`): every asset is inflated, counted and checked against the manifest exactly as
   * with `keep`, but its bytes are dropped as they come (the result's assets have empty contents). An import
   * uses it: the app needs the manifest and the definition, and the archive is held only once, never together
   * with every inflated file (measured in bench/packages.bench.ts).
   */
  assets?: 'keep' | 'verify';
}

export async function readPackage(zip: Buffer, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS, options: ReadPackageOptions = {}): Promise<ReadPackage> {
  checkLimits(limits);
  const input: unknown = zip;
  if (!(input instanceof Uint8Array)) throw notAZip('the upload is not binary data');
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length > limits.maxBytes)
    throw new PackageRejectedError('package-too-large', `the package is ${buf.length} bytes, more than the ${limits.maxBytes} allowed`);

  // structure, entry count, names
  const entries = scanZip(buf, limits);
  const files = entries.filter((entry) => !entry.isDirectory);

  // what the headers declare, before inflating anything
  let declared = 0;
  for (const entry of files) {
    declared += entry.uncompressedSize;
    if (entry.uncompressedSize > limits.maxCompressionRatio * Math.max(entry.compressedSize, RATIO_FLOOR_BYTES))
      throw new PackageRejectedError('zip-bomb', `entry ${show(entry.name)} declares ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed (ratio over ${limits.maxCompressionRatio}); refused as a possible zip bomb`);
  }
  if (declared > limits.maxUncompressedBytes)
    throw new PackageRejectedError('zip-bomb', `the entries declare ${declared} uncompressed bytes, more than the ${limits.maxUncompressedBytes} allowed; refused as a possible zip bomb`);

  // jszip's view must be ours: same file names, nothing rewritten (`../x` -> `x`) or collapsed
  let archive: JSZip;
  try {
    archive = await JSZip.loadAsync(buf, { checkCRC32: false, createFolders: false });
  } catch (e) {
    throw notAZip((e as Error).message.slice(0, 200));
  }
  const jszipFiles = Object.keys(archive.files).filter((key) => !archive.files[key].dir);
  for (const key of jszipFiles) {
    const object = archive.files[key];
    if (object.unsafeOriginalName !== undefined && object.unsafeOriginalName !== object.name)
      throw unsafeName(object.unsafeOriginalName, `rewritten to ${show(object.name)} by the ZIP reader`);
  }
  const scannedNames = new Set(files.map((entry) => entry.name));
  if (jszipFiles.length !== files.length || jszipFiles.some((key) => !scannedNames.has(key)))
    throw new PackageRejectedError('unsafe-entry-name', 'the ZIP reader sees different entry names than the central directory lists');

  const byName = new Map(files.map((entry) => [entry.name, entry]));
  const budget = { inflated: 0 };

  // manifest
  const manifestEntry = byName.get(MANIFEST_PATH);
  if (!manifestEntry) throw new PackageRejectedError('manifest-missing', `the package has no ${MANIFEST_PATH}`);
  const manifestTooLarge = () => new PackageRejectedError('manifest-too-large', `${MANIFEST_PATH} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  if (manifestEntry.uncompressedSize > MAX_MANIFEST_BYTES) throw manifestTooLarge();
  const manifestBytes = await inflateEntry(archive, manifestEntry, { limits, budget, entryCap: { bytes: MAX_MANIFEST_BYTES, error: manifestTooLarge } });
  const manifestJson = parseJson(manifestBytes.content);
  if (!manifestJson.ok) throw new PackageRejectedError('manifest-invalid', `${MANIFEST_PATH} is not valid JSON: ${manifestJson.why}`);
  const parsed = ManifestSchema.safeParse(upgradeManifest(manifestJson.value));
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new PackageRejectedError('manifest-invalid', `${MANIFEST_PATH} is invalid: ${issues.join('; ')}`, issues);
  }
  const manifest = parsed.data;

  // the listed files are exactly the other files in the ZIP
  const listed = new Set(manifest.files.map((file) => file.path));
  const missing = manifest.files.filter((file) => !byName.has(file.path)).map((file) => show(file.path));
  const unlisted = files
    .filter((entry) => entry.name !== MANIFEST_PATH && entry.name !== SIGNATURE_PATH && !listed.has(entry.name))
    .map((entry) => show(entry.name));
  if (missing.length || unlisted.length) {
    const parts = [missing.length ? `listed but missing: ${missing.slice(0, 10).join(', ')}` : '', unlisted.length ? `present but not listed: ${unlisted.slice(0, 10).join(', ')}` : ''];
    throw new PackageRejectedError('file-list-mismatch', `the files in the package do not match ${MANIFEST_PATH} (${parts.filter(Boolean).join('; ')})`);
  }
  for (const file of manifest.files) {
    const entry = byName.get(file.path)!;
    if (entry.uncompressedSize !== file.size)
      throw new PackageRejectedError('checksum-mismatch', `${show(file.path)}: ${MANIFEST_PATH} says ${file.size} bytes, the ZIP entry holds ${entry.uncompressedSize}`);
  }

  // signature (verified by the caller, against its trusted keys)
  let signature: string | null = null;
  const signatureEntry = byName.get(SIGNATURE_PATH);
  if (signatureEntry) {
    const signatureTooLarge = () => new PackageRejectedError('signature-invalid', `${SIGNATURE_PATH} is larger than ${MAX_SIGNATURE_BYTES} bytes`);
    if (signatureEntry.uncompressedSize > MAX_SIGNATURE_BYTES) throw signatureTooLarge();
    const bytes = await inflateEntry(archive, signatureEntry, { limits, budget, entryCap: { bytes: MAX_SIGNATURE_BYTES, error: signatureTooLarge } });
    try {
      signature = new TextDecoder('utf-8', { fatal: true }).decode(bytes.content);
    } catch {
      throw new PackageRejectedError('signature-invalid', `${SIGNATURE_PATH} is not UTF-8 text`);
    }
  }

  // definition
  const definitionEntry = byName.get(DEFINITION_PATH)!;
  const definitionTooLarge = () => new PackageRejectedError('definition-too-large', `${DEFINITION_PATH} is larger than ${limits.maxDefinitionBytes} bytes`);
  if (definitionEntry.uncompressedSize > limits.maxDefinitionBytes) throw definitionTooLarge();

  // inflate everything listed, definition first, verifying size and sha256 against the manifest
  const contents = new Map<string, Buffer>();
  let definition: unknown;
  const ordered = [...manifest.files].sort((a, b) => Number(b.path === DEFINITION_PATH) - Number(a.path === DEFINITION_PATH));
  for (const file of ordered) {
    const entry = byName.get(file.path)!;
    const isDefinition = file.path === DEFINITION_PATH;
    const entryCap = isDefinition ? { bytes: limits.maxDefinitionBytes, error: definitionTooLarge } : undefined;
    const discard = !isDefinition && options.assets === 'verify';
    const { content, sha256 } = await inflateEntry(archive, entry, { limits, budget, entryCap, discard });
    if (!discard && content.length !== file.size)
      throw new PackageRejectedError('checksum-mismatch', `${show(file.path)}: ${MANIFEST_PATH} says ${file.size} bytes, the file has ${content.length}`);
    if (sha256 !== file.sha256) throw new PackageRejectedError('checksum-mismatch', `${show(file.path)}: sha256 does not match ${MANIFEST_PATH}`);
    if (isDefinition) {
      const json = parseJson(content);
      if (!json.ok) throw new PackageRejectedError('definition-invalid', `${DEFINITION_PATH} is not valid JSON: ${json.why}`);
      definition = json.value;
    } else {
      contents.set(file.path, content);
    }
  }

  return {
    manifest,
    definition,
    manifestBytes: manifestBytes.content,
    signature,
    assets: manifest.files.filter((file) => file.path !== DEFINITION_PATH).map((file) => ({ path: file.path, content: contents.get(file.path)! })),
  };
}
