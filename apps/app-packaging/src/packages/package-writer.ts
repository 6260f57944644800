import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import JSZip from 'jszip';
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
