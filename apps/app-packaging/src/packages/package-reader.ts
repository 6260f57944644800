import {
  DEFAULT_PACKAGE_LIMITS,
  DEFINITION_PATH,
  MANIFEST_PATH,
  ManifestSchema,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  PackageLimits,
  PackageRejectedError,
  RATIO_FLOOR_BYTES,
  ReadPackage,
  show,
  SIGNATURE_PATH,
  upgradeManifest,
  zodIssues,
} from './package-manifest';
import { bufferSource, fileSource, notAZip, scanZip, ZipSource } from './package-zip-scan';
import { checkLimits, inflateEntry, parseJson } from './package-verifier';

export interface ReadPackageOptions {
  /**
   * `verify` (default `keep`): every asset is inflated, counted and checked against the manifest exactly as
   * with `keep`, but its bytes are dropped as they come (the result's assets have empty contents). An import
   * uses it: the app needs the manifest and the definition only (measured in bench/packages.bench.ts).
   */
  assets?: 'keep' | 'verify';
}

/** a package on disk (an upload spooled to a temp file): read by random access, never loaded whole */
export interface PackageFile {
  path: string;
}

/**
 * Read and verify an uploaded package, from a Buffer or from a file. Resolves with the validated manifest, the
 * parsed definition and the assets (in manifest order), or rejects with a PackageRejectedError (see
 * package-format.ts for the order of checks). Any other error is a bug. From a file, the memory it takes is
 * the central directory, manifest.json, definition.json (each capped) and one entry's stream buffers at a time,
 * plus the assets when `assets` is `keep`.
 */
export async function readPackage(zip: Buffer | PackageFile, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS, options: ReadPackageOptions = {}): Promise<ReadPackage> {
  checkLimits(limits);
  const input: unknown = zip;
  let source: ZipSource;
  if (input instanceof Uint8Array) {
    source = bufferSource(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  } else if (typeof input === 'object' && input !== null && typeof (input as PackageFile).path === 'string') {
    source = await fileSource((input as PackageFile).path);
  } else {
    throw notAZip('the upload is not binary data');
  }
  try {
    return await readFrom(source, limits, options);
  } finally {
    await source.close();
  }
}

async function readFrom(source: ZipSource, limits: PackageLimits, options: ReadPackageOptions): Promise<ReadPackage> {
  if (source.size > limits.maxBytes)
    throw new PackageRejectedError('package-too-large', `the package is ${source.size} bytes, more than the ${limits.maxBytes} allowed`);

  // structure, entry count, names
  const entries = await scanZip(source, limits);
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

  const byName = new Map(files.map((entry) => [entry.name, entry]));
  const budget = { inflated: 0 };

  // manifest
  const manifestEntry = byName.get(MANIFEST_PATH);
  if (!manifestEntry) throw new PackageRejectedError('manifest-missing', `the package has no ${MANIFEST_PATH}`);
  const manifestTooLarge = () => new PackageRejectedError('manifest-too-large', `${MANIFEST_PATH} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  if (manifestEntry.uncompressedSize > MAX_MANIFEST_BYTES) throw manifestTooLarge();
  const manifestBytes = await inflateEntry(source, manifestEntry, { limits, budget, entryCap: { bytes: MAX_MANIFEST_BYTES, error: manifestTooLarge } });
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
    const bytes = await inflateEntry(source, signatureEntry, { limits, budget, entryCap: { bytes: MAX_SIGNATURE_BYTES, error: signatureTooLarge } });
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
    const { content, sha256 } = await inflateEntry(source, entry, { limits, budget, entryCap, discard });
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
