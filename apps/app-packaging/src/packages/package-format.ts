/**
 * App package format, version 1: a ZIP holding
 *
 *   manifest.json    what the package is, where it came from, what it needs (schema below)
 *   definition.json  the app definition (any JSON)
 *   assets/...       optional opaque files
 *   signature.jws    optional: the exporting stack's signature over manifest.json (see package-signing.ts);
 *                    the one entry the manifest does not list
 *
 * Pure modules: no Nest, no network; the reader reads a Buffer or a local file (an upload spooled to disk).
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
 *        unknown compression, overlapping entries,
 *        local header disagreeing with the central directory   400 not-a-zip           (ZIP64 is read)
 *      - unsafe or duplicate names                             400 unsafe-entry-name
 *   3. sizes declared in the headers (sum, ratio)              413 zip-bomb            (nothing inflated yet)
 *   4. manifest.json present, JSON, version, schema            422 manifest-*, unsupported-format-version
 *   5. manifest file list == ZIP entries                       422 file-list-mismatch
 *   6. each listed file inflated with byte counting:
 *      more bytes than declared / budget / ratio               413 zip-bomb            (aborted mid-stream)
 *      CRC-32 or length disagreeing with the ZIP header        400 not-a-zip
 *      sha256 / size disagreeing with the manifest             422 checksum-mismatch
 *      definition.json too big / not JSON                      413 definition-too-large / 422 definition-invalid
 *
 * Header sizes are never trusted: each entry is inflated on its own with node:zlib, the produced bytes are counted
 * chunk by chunk, and the streams are destroyed as soon as a cap is crossed (package-verifier.ts).
 *
 * Modules: package-manifest.ts (limits, errors, names, schema), package-zip-scan.ts (structure, over a Buffer
 * or a file), package-verifier.ts (inflating with caps), package-reader.ts (readPackage), package-writer.ts
 * (buildPackage, buildPackageStream), package-zip-writer.ts (the streaming ZIP writer on node:zlib it uses),
 * package-crc32.ts. This file is the format's description and the one import for callers.
 */

export * from './package-manifest';
export * from './package-reader';
export * from './package-writer';
export { bufferSource, fileSource, scanZip } from './package-zip-scan';
export type { ScannedEntry, ZipSource } from './package-zip-scan';
