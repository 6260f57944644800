import { z } from 'zod';
import { REGIONS } from '@lib/contracts/regions';

/**
 * App package format, version 1: constants, limits, errors, entry-name rules and the manifest schema, shared by
 * the reader (package-reader.ts), the ZIP scanner (package-zip-scan.ts), the verifier (package-verifier.ts)
 * and the writer (package-writer.ts). The format itself is described in package-format.ts.
 */

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
export function show(name: string): string {
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

export function zodIssues(error: z.ZodError): string[] {
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
