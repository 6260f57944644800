import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ASSETS_PREFIX,
  BuildPackageInput,
  DEFAULT_PACKAGE_LIMITS,
  DEFINITION_PATH,
  entryNameProblem,
  MANIFEST_PATH,
  ManifestFile,
  ManifestSchema,
  MAX_MANIFEST_BYTES,
  PACKAGE_FORMAT_VERSION,
  PackageBuildError,
  PackageLimits,
  show,
  SIGNATURE_PATH,
  zodIssues,
} from './package-manifest';
import { ZipWriteEntry, zipStream } from './package-zip-writer';

// ---------------------------------------------------------------------------------------------------------
// building

const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export interface BuildPackageOptions {
  /**
   * `auto` (default): entries that do not compress are stored; `deflate`: every entry is deflated, as zip(1)
   * does (bench/packages.bench.ts compares both with zip(1) through BENCH_METHOD)
   */
  method?: 'auto' | 'deflate';
}

/**
 * Write a package: manifest.json first, then signature.jws (when signed), definition.json, then the assets.
 * Each entry is deflated (level 6) unless it does not compress (package-zip-writer.ts). The manifest is
 * validated with the same strict schema as on read, so unexpected fields (resource ids, bindings, secrets) make
 * the build throw rather than leak. `limits` (default DEFAULT_PACKAGE_LIMITS) are checked so that a package this
 * function writes is one readPackage accepts.
 */
export async function buildPackage(input: BuildPackageInput, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS, options: BuildPackageOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of buildPackageStream(input, limits, options)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The same package as a stream, so an export never holds the whole archive (measured in
 * bench/packages.bench.ts): node:zlib deflates entry by entry as the consumer reads. The input is checked
 * before the stream is returned (a PackageBuildError is thrown here); an archive that would exceed
 * `limits.maxBytes` fails the stream with a PackageBuildError. Its size is known only once the stream ends.
 */
export function buildPackageStream(input: BuildPackageInput, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS, options: BuildPackageOptions = {}): Readable {
  const { entries, exportedAt } = preparePackage(input, limits);
  const method = options.method ?? 'auto';
  return zipStream(
    entries.map((entry) => ({ ...entry, method })),
    { date: exportedAt, level: 6, maxBytes: limits.maxBytes },
  );
}

function preparePackage(input: BuildPackageInput, limits: PackageLimits): { entries: ZipWriteEntry[]; exportedAt: Date } {
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
  const entries: ZipWriteEntry[] = [{ name: MANIFEST_PATH, content: manifest }];
  if (input.sign) entries.push({ name: SIGNATURE_PATH, content: Buffer.from(input.sign(manifest), 'utf8') });
  entries.push({ name: DEFINITION_PATH, content: definition });
  for (const asset of assets) {
    const bytes: Uint8Array = asset.content; // a plain Uint8Array from a JavaScript caller is viewed, not copied
    entries.push({ name: asset.path, content: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  }
  return { entries, exportedAt };
}
