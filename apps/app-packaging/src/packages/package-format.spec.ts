import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import {
  BuildPackageInput,
  DEFAULT_PACKAGE_LIMITS,
  ManifestSchema,
  MAX_MANIFEST_BYTES,
  PACKAGE_FORMAT_VERSION,
  PackageAsset,
  PackageBuildError,
  PackageLimits,
  PackageRejectedError,
  buildPackage,
  entryNameProblem,
  readPackage,
  upgradeManifest,
} from './package-format';

// ---------------------------------------------------------------------------------------------------------
// fixtures

const MiB = 1024 * 1024;
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const LOGO = randomBytes(4096);
const GREETING = Buffer.from('Hello, how can I help?\n', 'utf8');

function baseInput(): BuildPackageInput {
  return {
    manifest: {
      app: { name: 'Support desk', version: 3 },
      exportedAt: '2025-03-04T05:06:07.000Z',
      exportedBy: 'usr_01jq3v6w8x9y0z1a2b3c4d5e6f',
      source: { organizationId: 'org-eu-01jq3v6w8x9y0z1a2b3c4d5e6f', organizationName: 'Acme EU', region: 'eu' },
      requirements: [
        { slot: 'crm', kind: 'salesforce', hint: { name: 'Acme Salesforce', kind: 'salesforce' } },
        { slot: 'inbound-number', kind: 'phone-number' },
      ],
    },
    definition: { steps: [{ id: 'greet', say: 'Hello' }, { id: 'lookup', use: 'crm' }], locale: 'en-GB', emoji: 'ok ✓' },
    assets: [
      { path: 'assets/logo.png', content: LOGO },
      { path: 'assets/prompts/greeting.txt', content: GREETING },
    ],
  };
}

let VALID: Buffer;
beforeAll(async () => {
  VALID = await buildPackage(baseInput());
});

/** a valid manifest (as plain JSON) for the given definition text and assets */
function manifestFor(definitionText: string, assets: PackageAsset[] = []): Record<string, any> {
  return {
    formatVersion: 1,
    ...clone(baseInput().manifest),
    files: [
      { path: 'definition.json', sha256: sha256(definitionText), size: Buffer.byteLength(definitionText) },
      ...assets.map((a) => ({ path: a.path, sha256: sha256(a.content), size: a.content.length })),
    ],
  };
}

/** a package written with jszip from parts; `manifest` may be any JSON value or raw text */
async function craft(parts: {
  manifest?: (m: Record<string, any>) => unknown;
  manifestText?: string;
  definitionText?: string;
  assets?: PackageAsset[];
  extra?: Record<string, string | Buffer>;
  omit?: string[];
}): Promise<Buffer> {
  const definitionText = parts.definitionText ?? '{"steps":[]}';
  const assets = parts.assets ?? [{ path: 'assets/logo.png', content: LOGO }];
  let manifestText = parts.manifestText;
  if (manifestText === undefined) {
    const base = manifestFor(definitionText, assets);
    const mutated = parts.manifest ? parts.manifest(base) : base;
    manifestText = JSON.stringify(mutated === undefined ? base : mutated);
  }
  const files: Record<string, string | Buffer> = { 'manifest.json': manifestText, 'definition.json': definitionText };
  for (const a of assets) files[a.path] = a.content;
  Object.assign(files, parts.extra ?? {});
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) {
    if (!parts.omit?.includes(name)) zip.file(name, content, { createFolders: false });
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

interface RawEntry {
  name: string | Buffer;
  /** uncompressed content; deflated unless method is 0 */
  data?: Buffer;
  /** already-compressed content, with crc and size given */
  compressed?: Buffer;
  method?: number;
  crc?: number;
  size?: number;
  flags?: number;
  externalAttributes?: number;
  localName?: string;
  /** extra field bytes in the central directory record */
  centralExtra?: Buffer;
}

/** a ZIP written byte by byte: for what jszip refuses to write */
function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const name = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name, 'utf8');
    const localName = e.localName === undefined ? name : Buffer.from(e.localName, 'utf8');
    const data = e.compressed ?? (method === 0 ? e.data! : zlib.deflateRawSync(e.data!));
    const crc = e.crc ?? zlib.crc32(e.data!);
    const size = e.size ?? e.data!.length;
    const flags = e.flags ?? 0x0800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localName.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(e.centralExtra?.length ?? 0, 30);
    central.writeUInt32LE(e.externalAttributes ?? 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, localName, data);
    centrals.push(central, name, e.centralExtra ?? Buffer.alloc(0));
    offset += 30 + localName.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/**
 * The same archive with ZIP64 end records: a ZIP64 end record and its locator before the classic end record,
 * whose counts and central-directory size/offset become the ZIP64 markers (0xffff / 0xffffffff).
 * `entries` overrides the count the ZIP64 record announces.
 */
function toZip64(zip: Buffer, entries?: number): Buffer {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = entries ?? zip.readUInt16LE(end + 10);
  const cdSize = zip.readUInt32LE(end + 12);
  const cdOffset = zip.readUInt32LE(end + 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(cdSize), 40);
  record.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(end), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.from(zip.subarray(end, end + 22));
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([zip.subarray(0, end), record, locator, eocd]);
}

/** an Info-ZIP Unicode Path extra field (0x7075): jszip prefers it to the name when the UTF-8 flag is off */
function unicodePathField(rawName: string, unicodeName: string): Buffer {
  const value = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), Buffer.from(unicodeName, 'utf8')]);
  value.writeUInt32LE(zlib.crc32(Buffer.from(rawName, 'utf8')), 1);
  const header = Buffer.alloc(4);
  header.writeUInt16LE(0x7075, 0);
  header.writeUInt16LE(value.length, 2);
  return Buffer.concat([header, value]);
}

/** walk the central directory of `zip` and overwrite the uncompressed size of `name` in both headers */
function patchDeclaredSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  const end = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let p = out.readUInt32LE(end + 16);
  let patched = 0;
  for (let i = 0; i < out.readUInt16LE(end + 10); i++) {
    const nameLength = out.readUInt16LE(p + 28);
    if (out.subarray(p + 46, p + 46 + nameLength).toString('utf8') === name) {
      out.writeUInt32LE(size, p + 24); // central directory: uncompressed size
      out.writeUInt32LE(size, out.readUInt32LE(p + 42) + 22); // local header: uncompressed size
      patched++;
    }
    p += 46 + nameLength + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
  }
  expect(patched).toBe(1);
  return out;
}

/** N MiB of zeros as a raw deflate stream, without ever holding N MiB: one fully-flushed 1 MiB segment repeated */
function deflatedZeros(mib: number): Buffer {
  const segment = zlib.deflateRawSync(Buffer.alloc(MiB), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mib).fill(segment), Buffer.from([0x03, 0x00])]);
}

/** a package whose asset `assets/zeros.bin` (or `bombName`) is 300 MiB of zeros in ~0.3 MB */
function bombPackage(opts: { bombName?: string; listed?: boolean; manifestSize?: number } = {}): Buffer {
  const bombName = opts.bombName ?? 'assets/zeros.bin';
  const bomb = deflatedZeros(300);
  const definitionText = '{"steps":[]}';
  const manifest = manifestFor(bombName === 'definition.json' ? '' : definitionText);
  manifest.files = manifest.files.filter((f: { path: string }) => f.path !== bombName);
  if (opts.listed !== false) manifest.files.push({ path: bombName, sha256: '0'.repeat(64), size: opts.manifestSize ?? 300 * MiB });
  const entries: RawEntry[] = [{ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }];
  if (bombName !== 'definition.json') entries.push({ name: 'definition.json', data: Buffer.from(definitionText) });
  entries.push({ name: bombName, compressed: bomb, crc: 0, size: 300 * MiB });
  return rawZip(entries);
}

async function rejection(promise: Promise<unknown>): Promise<PackageRejectedError> {
  try {
    await promise;
  } catch (e) {
    if (!(e instanceof PackageRejectedError)) throw e;
    return e;
  }
  throw new Error('expected the package to be rejected');
}

async function expectRejected(promise: Promise<unknown>, status: number, code: string): Promise<PackageRejectedError> {
  const error = await rejection(promise);
  expect({ status: error.status, code: error.code, message: error.message }).toEqual({ status, code, message: expect.any(String) });
  return error;
}

/** every case runs twice: reading the package from a Buffer, and from a file (an upload spooled to disk) */
let readFrom: 'buffer' | 'file' = 'buffer';
const spoolDir = mkdtempSync(join(tmpdir(), 'pkg-spec-'));
afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));
let spooled = 0;
const read = (zip: Buffer, limits: Partial<PackageLimits> = {}) => {
  if (readFrom === 'buffer') return readPackage(zip, { ...DEFAULT_PACKAGE_LIMITS, ...limits });
  const path = join(spoolDir, `upload-${spooled++}.zip`);
  writeFileSync(path, zip);
  return readPackage({ path }, { ...DEFAULT_PACKAGE_LIMITS, ...limits });
};

// ---------------------------------------------------------------------------------------------------------

describe.each(['buffer', 'file'] as const)('package format v1, read from a %s', (from) => {
  beforeAll(() => {
    readFrom = from;
  });
  describe('round trip', () => {
    it('reads back what it builds', async () => {
      const input = baseInput();
      const out = await read(VALID);
      expect(out.manifest).toEqual({
        formatVersion: PACKAGE_FORMAT_VERSION,
        ...input.manifest,
        files: [
          { path: 'definition.json', sha256: sha256(JSON.stringify(input.definition)), size: Buffer.byteLength(JSON.stringify(input.definition)) },
          { path: 'assets/logo.png', sha256: sha256(LOGO), size: LOGO.length },
          { path: 'assets/prompts/greeting.txt', sha256: sha256(GREETING), size: GREETING.length },
        ],
      });
      expect(out.definition).toEqual(input.definition);
      expect(out.assets).toEqual(input.assets);
      // entry dates come from exportedAt, so the same input gives the same bytes
      expect((await buildPackage(baseInput())).equals(VALID)).toBe(true);
    });

    it('reads a package without assets, with an empty asset, and with directory entries', async () => {
      const bare = await buildPackage({ ...baseInput(), assets: [{ path: 'assets/empty.txt', content: Buffer.alloc(0) }] });
      const zip = await JSZip.loadAsync(bare);
      zip.folder('assets');
      zip.folder('assets/more');
      const withDirs = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
      const out = await read(withDirs);
      expect(out.assets).toEqual([{ path: 'assets/empty.txt', content: Buffer.alloc(0) }]);
      const none = await read(await buildPackage({ ...baseInput(), assets: undefined }));
      expect(none.assets).toEqual([]);
      expect(none.manifest.files.map((f) => f.path)).toEqual(['definition.json']);
    });

    it('writes only manifest.json, definition.json and assets: no resource ids, bindings or secrets', async () => {
      // what an export service has at hand: the app with its bindings, and the bound resources with secrets
      const sourceApp = {
        id: 'app_01SOURCEAPPID',
        name: 'Support desk',
        version: 3,
        definition: baseInput().definition,
        bindings: [
          { slot: 'crm', resourceId: 'res_01SALESFORCEID', config: { apiKey: 'sk_live_SUPERSECRET' } },
          { slot: 'inbound-number', resourceId: 'res_01PHONEID', config: { number: '+15550100' } },
        ],
      };
      const resources: Record<string, { name: string; kind: string; secret: string }> = {
        res_01SALESFORCEID: { name: 'Acme Salesforce', kind: 'salesforce', secret: 'sk_live_SUPERSECRET' },
        res_01PHONEID: { name: '+1 555 0100', kind: 'phone-number', secret: 'twilio-token-SECRET' },
      };
      const input: BuildPackageInput = {
        manifest: {
          ...baseInput().manifest,
          requirements: sourceApp.bindings.map((b) => ({
            slot: b.slot,
            kind: resources[b.resourceId].kind,
            hint: { name: resources[b.resourceId].name, kind: resources[b.resourceId].kind },
          })),
        },
        definition: sourceApp.definition,
        assets: [{ path: 'assets/logo.png', content: LOGO }],
      };
      const zip = await JSZip.loadAsync(await buildPackage(input));
      expect(Object.keys(zip.files).sort()).toEqual(['assets/logo.png', 'definition.json', 'manifest.json']);
      for (const name of Object.keys(zip.files)) {
        const text = (await zip.files[name].async('nodebuffer')).toString('latin1');
        for (const leak of ['res_01', 'SECRET', 'app_01', 'apiKey', 'resourceId', 'bindings', '+15550100'])
          expect({ name, leaks: text.includes(leak) ? leak : null }).toEqual({ name, leaks: null });
      }
      const manifest = JSON.parse(await zip.files['manifest.json'].async('string'));
      expect(Object.keys(manifest).sort()).toEqual(['app', 'exportedAt', 'exportedBy', 'files', 'formatVersion', 'requirements', 'source']);
    });

    it('refuses to build a manifest carrying resource ids, bindings or unsafe asset paths', async () => {
      const withResourceId = baseInput();
      (withResourceId.manifest.requirements[0] as Record<string, unknown>).resourceId = 'res_01SALESFORCEID';
      await expect(buildPackage(withResourceId)).rejects.toThrow(PackageBuildError);
      await expect(buildPackage(withResourceId)).rejects.toThrow(/requirements\.0.*resourceId/);
      const withBindings = baseInput();
      (withBindings.manifest as Record<string, unknown>).bindings = { crm: 'res_01SALESFORCEID' };
      await expect(buildPackage(withBindings)).rejects.toThrow(PackageBuildError);
      for (const path of ['../evil.txt', 'assets/../../evil.txt', '/etc/passwd', 'assets\\x', 'C:/x', 'logo.png', 'assets/', 'manifest.json']) {
        await expect(buildPackage({ ...baseInput(), assets: [{ path, content: LOGO }] })).rejects.toThrow(PackageBuildError);
      }
      const twice = [{ path: 'assets/a', content: LOGO }, { path: 'assets/a', content: LOGO }];
      await expect(buildPackage({ ...baseInput(), assets: twice })).rejects.toThrow(/duplicate/);
      await expect(buildPackage({ ...baseInput(), definition: undefined })).rejects.toThrow(PackageBuildError);
      await expect(buildPackage({ ...baseInput(), definition: 'x'.repeat(100) }, { ...DEFAULT_PACKAGE_LIMITS, maxDefinitionBytes: 50 })).rejects.toThrow(PackageBuildError);
    });
  });

  describe('hostile corpus: the upload itself', () => {
    it('refuses an upload over maxBytes before parsing it (413 package-too-large)', async () => {
      await expectRejected(read(VALID, { maxBytes: VALID.length - 1 }), 413, 'package-too-large');
      await expectRejected(read(Buffer.alloc(DEFAULT_PACKAGE_LIMITS.maxBytes + 1)), 413, 'package-too-large');
    });

    it.each([
      ['an empty buffer', () => Buffer.alloc(0)],
      ['random bytes', () => randomBytes(64 * 1024)],
      ['a ZIP cut in half', () => VALID.subarray(0, Math.floor(VALID.length / 2))],
      ['a ZIP missing its last byte', () => VALID.subarray(0, VALID.length - 1)],
      ['a ZIP with bytes appended', () => Buffer.concat([VALID, Buffer.from('trailing')])],
      ['a ZIP with bytes prepended', () => Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), VALID])],
      ['a ZIP whose end record under-counts its entries', () => {
        const out = Buffer.from(VALID);
        const end = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
        out.writeUInt16LE(1, end + 8);
        out.writeUInt16LE(1, end + 10);
        return out;
      }],
      ['an encrypted entry', () => rawZip([{ name: 'manifest.json', data: Buffer.from('{}'), flags: 0x0801 }])],
      ['an unknown compression method (bzip2)', () => rawZip([{ name: 'manifest.json', data: Buffer.from('{}'), method: 12, compressed: Buffer.from('BZh9'), crc: 0, size: 2 }])],
      ['ZIP64 size markers', () => rawZip([{ name: 'manifest.json', compressed: Buffer.from([3, 0]), crc: 0, size: 0xffffffff }])],
      ['an entry declaring 0 bytes but carrying data', () => rawZip([{ name: 'manifest.json', compressed: zlib.deflateRawSync(randomBytes(1000)), crc: 0, size: 0 }])],
      ['a directory entry carrying data', () => rawZip([{ name: 'assets/', data: randomBytes(100), method: 0 }])],
      ['corrupt stored data (CRC-32 mismatch)', () => {
        const definitionText = '{"steps":[]}';
        const zip = rawZip([
          { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifestFor(definitionText, [{ path: 'assets/logo.png', content: LOGO }]))) },
          { name: 'definition.json', data: Buffer.from(definitionText) },
          { name: 'assets/logo.png', data: LOGO, method: 0 },
        ]);
        const at = zip.indexOf(LOGO.subarray(0, 64)) + 100;
        zip[at] ^= 0xff;
        return zip;
      }],
      ['corrupt deflate data', () => {
        const definitionText = '{"steps":[], "padding": "' + 'abc'.repeat(2000) + '"}';
        const compressed = zlib.deflateRawSync(Buffer.from(definitionText));
        compressed.fill(0xff, 5, 30);
        return rawZip([
          { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifestFor(definitionText, []))) },
          { name: 'definition.json', compressed, crc: zlib.crc32(definitionText), size: Buffer.byteLength(definitionText) },
        ]);
      }],
    ])('refuses %s (400 not-a-zip)', async (_, make) => {
      await expectRejected(read(make()), 400, 'not-a-zip');
    });

    it('refuses too many entries, counted before reading them (413 too-many-entries)', async () => {
      const assets = Array.from({ length: 12 }, (_, i) => ({ path: `assets/${i}.txt`, content: Buffer.from(String(i)) }));
      const pkg = await buildPackage({ ...baseInput(), assets });
      await expectRejected(read(pkg, { maxEntries: 10 }), 413, 'too-many-entries');
      const zip = new JSZip();
      for (let i = 0; i <= DEFAULT_PACKAGE_LIMITS.maxEntries; i++) zip.file(`assets/${i}`, '', { createFolders: false });
      await expectRejected(read(await zip.generateAsync({ type: 'nodebuffer' })), 413, 'too-many-entries');
    }, 30_000); // jszip writing 1,001 entries took over 5 s on the shared 2-core machine under a full test run

    it('reads a ZIP64 archive within the limits', async () => {
      const pkg = await read(toZip64(VALID));
      expect(pkg.manifest.app.name).toBe('Support desk');
      expect(pkg.assets.map((a) => a.path)).toEqual(['assets/logo.png', 'assets/prompts/greeting.txt']);
    });

    it('refuses a ZIP64 archive with too many entries as too-many-entries, before anything else', async () => {
      const many = rawZip(Array.from({ length: DEFAULT_PACKAGE_LIMITS.maxEntries + 1 }, (_, i) => ({ name: `assets/${i}`, data: Buffer.alloc(0), method: 0 })));
      await expectRejected(read(toZip64(many)), 413, 'too-many-entries');
      // the count announced by the ZIP64 record decides, even when it is absurd
      await expectRejected(read(toZip64(VALID, 2 ** 40)), 413, 'too-many-entries');
      await expectRejected(read(toZip64(VALID, 2 ** 60)), 413, 'too-many-entries');
    });

    it('refuses a corrupt ZIP64 end record or locator (400 not-a-zip)', async () => {
      const zip64 = toZip64(VALID);
      const brokenLocator = Buffer.from(zip64);
      brokenLocator.writeUInt32LE(0, brokenLocator.length - 22 - 20);
      await expectRejected(read(brokenLocator), 400, 'not-a-zip');
      const wrongOffset = Buffer.from(zip64);
      wrongOffset.writeBigUInt64LE(3n, wrongOffset.length - 22 - 20 + 8);
      await expectRejected(read(wrongOffset), 400, 'not-a-zip');
    });

    it('verifies assets without keeping them when asked (an import keeps only the definition)', async () => {
      const pkg = await readPackage(VALID, DEFAULT_PACKAGE_LIMITS, { assets: 'verify' });
      expect(pkg.assets.map((a) => [a.path, a.content.length])).toEqual([['assets/logo.png', 0], ['assets/prompts/greeting.txt', 0]]);
      expect(pkg.definition).toEqual(baseInput().definition);
      const tampered = await JSZip.loadAsync(VALID);
      tampered.file('assets/logo.png', randomBytes(4096));
      await expectRejected(readPackage(await tampered.generateAsync({ type: 'nodebuffer' }), DEFAULT_PACKAGE_LIMITS, { assets: 'verify' }), 422, 'checksum-mismatch');
    });

    it('returns signature.jws (unlisted in the manifest) and the exact manifest bytes it covers', async () => {
      const signed = await buildPackage({ ...baseInput(), sign: (manifest) => `sig-of-${sha256(manifest)}` });
      const pkg = await read(signed);
      expect(pkg.signature).toBe(`sig-of-${sha256(pkg.manifestBytes)}`);
      expect((await read(VALID)).signature).toBeNull();
      const huge = await JSZip.loadAsync(signed);
      huge.file('signature.jws', 'x'.repeat(9000));
      await expectRejected(read(await huge.generateAsync({ type: 'nodebuffer' })), 422, 'signature-invalid');
    });
  });

  describe('hostile corpus: entry names', () => {
    it.each([
      '../../evil.txt',
      'a/../../b',
      'assets/../../../etc/cron.d/x',
      '..',
      '/etc/passwd',
      '..\\x',
      'assets\\..\\..\\x',
      'C:/x',
      'C:\\Windows\\x',
      'assets/file.txt:stream',
      'a\u0000b',
      'assets/bell\u0007',
      'assets/new\nline',
      'assets//x',
      './manifest.json',
      'assets/./x',
      'x'.repeat(600),
    ].map((name) => [name.length > 60 ? `${name.slice(0, 8)}... (${name.length} characters)` : name, name]))(
      'refuses %j written by jszip (400 unsafe-entry-name)', async (_, name) => {
      const zip = await JSZip.loadAsync(VALID);
      zip.file(name, 'pwned', { createFolders: false });
      const error = await expectRejected(read(await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' })), 400, 'unsafe-entry-name');
      expect(error.message).toContain('unsafe entry name');
    });

    it.each<[string, () => Buffer]>([
      ['a traversal directory entry', () => rawZip([{ name: '../', data: Buffer.alloc(0), method: 0 }])],
      ['a name that is not UTF-8', () => rawZip([{ name: Buffer.from([0x61, 0xff, 0xfe]), data: Buffer.from('x') }])],
      ['two entries named manifest.json', () => rawZip([{ name: 'manifest.json', data: Buffer.from('{}') }, { name: 'manifest.json', data: Buffer.from('[]') }])],
      ['a file and a directory of the same name', () => rawZip([{ name: 'assets/x', data: Buffer.from('x') }, { name: 'assets/x', data: Buffer.alloc(0), method: 0, externalAttributes: 0x10 }, { name: 'assets/x/', data: Buffer.alloc(0), method: 0 }])],
      ['a local header naming another file than the central directory', () => rawZip([{ name: 'assets/logo.png', localName: '../../evil.sh', data: Buffer.from('x') }])],
      ['a Unicode Path extra field jszip would read as ../../evil.sh', () =>
        rawZip([{ name: 'assets/logo.png', flags: 0, centralExtra: unicodePathField('assets/logo.png', '../../evil.sh'), data: Buffer.from('x') }])],
      ['a Unicode Path extra field naming another file', () =>
        rawZip([{ name: 'assets/logo.png', flags: 0, centralExtra: unicodePathField('assets/logo.png', 'assets/other.png'), data: Buffer.from('x') }])],
    ])('refuses %s (400 unsafe-entry-name)', async (_, make) => {
      await expectRejected(read(make()), 400, 'unsafe-entry-name');
    });

    it('applies the same name rules everywhere', () => {
      for (const ok of ['manifest.json', 'assets/a b/ünïcødé.png', 'assets/x.y.z']) expect(entryNameProblem(ok)).toBeNull();
      expect(entryNameProblem('assets/', true)).toBeNull();
      expect(entryNameProblem('assets/')).toBe('empty path segment');
    });
  });

  describe('hostile corpus: zip bombs', () => {
    it('refuses a 300 MiB bomb whose headers say so, without inflating it (413 zip-bomb)', async () => {
      const started = Date.now();
      const error = await expectRejected(read(bombPackage()), 413, 'zip-bomb');
      expect(error.message).toContain('assets/zeros.bin');
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('refuses a 300 MiB bomb whose headers claim 1 KiB, counting inflated bytes (413 zip-bomb)', async () => {
      const zip = patchDeclaredSize(bombPackage({ manifestSize: 1024 }), 'assets/zeros.bin', 1024);
      const error = await expectRejected(read(zip), 413, 'zip-bomb');
      expect(error.message).toMatch(/assets\/zeros\.bin.*more than the 1024 bytes its header declares/);
    });

    it('refuses a lying bomb in definition.json and one claiming the whole budget', async () => {
      const inDefinition = patchDeclaredSize(bombPackage({ bombName: 'definition.json', manifestSize: 1024 }), 'definition.json', 1024);
      await expectRejected(read(inDefinition), 413, 'zip-bomb');
      // declared 100 MiB passes the ratio check once the cap is lifted; the definition cap refuses it from the header
      const declaredBig = patchDeclaredSize(bombPackage({ bombName: 'definition.json', manifestSize: 100 * MiB }), 'definition.json', 100 * MiB);
      await expectRejected(read(declaredBig), 413, 'zip-bomb');
      await expectRejected(read(declaredBig, { maxCompressionRatio: 1e6 }), 413, 'definition-too-large');
    });

    it('does not inflate an unlisted bomb (422 file-list-mismatch)', async () => {
      const zip = patchDeclaredSize(bombPackage({ listed: false }), 'assets/zeros.bin', 1024);
      await expectRejected(read(zip), 422, 'file-list-mismatch');
    });

    it('refuses a ratio over maxCompressionRatio and a total over maxUncompressedBytes from the headers', async () => {
      const zeros = Buffer.alloc(4 * MiB);
      const assets = [{ path: 'assets/zeros.bin', content: zeros }];
      const pkg = await craft({ assets });
      await expectRejected(read(pkg), 413, 'zip-bomb'); // 4 MiB of zeros deflate ~1000:1
      await expect(read(pkg, { maxCompressionRatio: 2000 })).resolves.toBeDefined();
      await expectRejected(read(pkg, { maxCompressionRatio: 2000, maxUncompressedBytes: 2 * MiB }), 413, 'zip-bomb');
    });
  });

  describe('hostile corpus: manifest', () => {
    it('refuses a package without manifest.json (422 manifest-missing)', async () => {
      await expectRejected(read(await craft({ omit: ['manifest.json'] })), 422, 'manifest-missing');
      await expectRejected(read(rawZip([])), 422, 'manifest-missing');
    });

    it('refuses a manifest.json over 1 MiB (413 manifest-too-large)', async () => {
      const padding = randomBytes(MAX_MANIFEST_BYTES / 2 + 10).toString('hex');
      await expectRejected(read(await craft({ manifest: (m) => ({ ...m, padding }) })), 413, 'manifest-too-large');
    });

    it.each([
      ['not JSON', '{"formatVersion": 1,'],
      ['JSON null', 'null'],
      ['a JSON array', '[]'],
      ['a JSON string', '"manifest"'],
      ['UTF-16', Buffer.from('\ufeff{"formatVersion":1}', 'utf16le').toString('latin1')],
    ])('refuses a manifest that is %s (422 manifest-invalid)', async (_, manifestText) => {
      await expectRejected(read(await craft({ manifestText })), 422, 'manifest-invalid');
    });

    const fuzz: [string, (m: Record<string, any>) => unknown, number, string, string?][] = [
      ['formatVersion 2', (m) => ({ ...m, formatVersion: 2 }), 422, 'unsupported-format-version', 'format version 1'],
      ['formatVersion 99 with an unknown shape', () => ({ formatVersion: 99, whatever: true }), 422, 'unsupported-format-version', 'format version 1'],
      ['formatVersion 0', (m) => ({ ...m, formatVersion: 0 }), 422, 'manifest-invalid', 'formatVersion'],
      ['formatVersion -1', (m) => ({ ...m, formatVersion: -1 }), 422, 'manifest-invalid', 'formatVersion'],
      ['formatVersion "1"', (m) => ({ ...m, formatVersion: '1' }), 422, 'manifest-invalid', 'formatVersion'],
      ['formatVersion 1.5', (m) => ({ ...m, formatVersion: 1.5 }), 422, 'manifest-invalid', 'formatVersion'],
      ['formatVersion missing', ({ formatVersion: _, ...m }) => m, 422, 'manifest-invalid', 'formatVersion'],
      ['app.name a number', (m) => ({ ...m, app: { ...m.app, name: 42 } }), 422, 'manifest-invalid', 'app.name'],
      ['app missing', ({ app: _, ...m }) => m, 422, 'manifest-invalid', 'app'],
      ['app.version 0', (m) => ({ ...m, app: { ...m.app, version: 0 } }), 422, 'manifest-invalid', 'app.version'],
      ['app.version "3"', (m) => ({ ...m, app: { ...m.app, version: '3' } }), 422, 'manifest-invalid', 'app.version'],
      ['a 100 kB app name', (m) => ({ ...m, app: { ...m.app, name: 'A'.repeat(100_000) } }), 422, 'manifest-invalid', 'app.name'],
      ['a 100 kB region', (m) => ({ ...m, source: { ...m.source, region: 'x'.repeat(100_000) } }), 422, 'manifest-invalid', 'source.region'],
      ['region "mars"', (m) => ({ ...m, source: { ...m.source, region: 'mars' } }), 422, 'manifest-invalid', 'source.region'],
      ['exportedAt not ISO', (m) => ({ ...m, exportedAt: 'yesterday' }), 422, 'manifest-invalid', 'exportedAt'],
      ['exportedBy missing', ({ exportedBy: _, ...m }) => m, 422, 'manifest-invalid', 'exportedBy'],
      ['an extra top-level field (secrets)', (m) => ({ ...m, secrets: { apiKey: 'sk_live_x' } }), 422, 'manifest-invalid', 'secrets'],
      ['an extra top-level field (bindings)', (m) => ({ ...m, bindings: [{ slot: 'crm', resourceId: 'res_1' }] }), 422, 'manifest-invalid', 'bindings'],
      ['a requirement without kind', (m) => ({ ...m, requirements: [{ slot: 'crm' }] }), 422, 'manifest-invalid', 'requirements.0.kind'],
      ['a requirement with a resourceId', (m) => ({ ...m, requirements: [{ slot: 'crm', kind: 'salesforce', resourceId: 'res_1' }] }), 422, 'manifest-invalid', 'resourceId'],
      ['a hint with a resourceId', (m) => ({ ...m, requirements: [{ slot: 'crm', kind: 'salesforce', hint: { name: 'x', kind: 'salesforce', resourceId: 'res_1' } }] }), 422, 'manifest-invalid', 'requirements.0.hint'],
      ['a requirement with config', (m) => ({ ...m, requirements: [{ slot: 'crm', kind: 'smtp', config: { password: 'hunter2' } }] }), 422, 'manifest-invalid', 'config'],
      ['duplicate slots', (m) => ({ ...m, requirements: [{ slot: 'crm', kind: 'smtp' }, { slot: 'crm', kind: 'smtp' }] }), 422, 'manifest-invalid', 'duplicate slot'],
      ['requirements not an array', (m) => ({ ...m, requirements: { crm: 'smtp' } }), 422, 'manifest-invalid', 'requirements'],
      ['a sha256 that is not hex', (m) => ({ ...m, files: m.files.map((f: any) => ({ ...f, sha256: 'z'.repeat(64) })) }), 422, 'manifest-invalid', 'sha256'],
      ['a negative size', (m) => ({ ...m, files: m.files.map((f: any) => ({ ...f, size: -1 })) }), 422, 'manifest-invalid', 'size'],
      ['a file path with ..', (m) => ({ ...m, files: [...m.files, { path: 'assets/../x', sha256: '0'.repeat(64), size: 1 }] }), 422, 'manifest-invalid', 'files.2.path'],
      ['a file outside assets/', (m) => ({ ...m, files: [...m.files, { path: 'run.sh', sha256: '0'.repeat(64), size: 1 }] }), 422, 'manifest-invalid', 'files.2.path'],
      ['no definition.json listed', (m) => ({ ...m, files: m.files.filter((f: any) => f.path !== 'definition.json') }), 422, 'manifest-invalid', 'definition.json'],
      ['files empty', (m) => ({ ...m, files: [] }), 422, 'manifest-invalid', 'files'],
    ];
    it.each(fuzz)('refuses a manifest with %s', async (_, mutate, status, code, mentions) => {
      const error = await expectRejected(read(await craft({ manifest: (m) => mutate(clone(m)) })), status, code);
      if (mentions) expect(error.message).toContain(mentions);
      if (code === 'manifest-invalid') expect(error.issues?.length).toBeGreaterThan(0);
      expect(error.message.length).toBeLessThan(5000);
    });

    it('upgradeManifest passes the current version through and refuses newer ones', () => {
      const current = { formatVersion: 1, any: 'thing' };
      expect(upgradeManifest(current)).toEqual(current);
      expect(upgradeManifest('not an object')).toBe('not an object');
      expect(() => upgradeManifest({ formatVersion: 3 })).toThrow(PackageRejectedError);
      expect(ManifestSchema.safeParse(upgradeManifest({ formatVersion: 0 })).success).toBe(false);
    });
  });

  describe('hostile corpus: file list and contents', () => {
    it('refuses a file in the ZIP that the manifest does not list (422 file-list-mismatch)', async () => {
      const error = await expectRejected(read(await craft({ extra: { 'assets/extra.js': 'alert(1)' } })), 422, 'file-list-mismatch');
      expect(error.message).toContain('assets/extra.js');
      await expectRejected(read(await craft({ extra: { 'README.txt': 'hi' } })), 422, 'file-list-mismatch');
    });

    it('refuses a listed file missing from the ZIP (422 file-list-mismatch)', async () => {
      const error = await expectRejected(read(await craft({ omit: ['assets/logo.png'] })), 422, 'file-list-mismatch');
      expect(error.message).toContain('assets/logo.png');
      await expectRejected(read(await craft({ omit: ['definition.json'] })), 422, 'file-list-mismatch');
    });

    it('refuses a wrong sha256 or size, naming the file (422 checksum-mismatch)', async () => {
      const wrongSha = await craft({ manifest: (m) => ({ ...m, files: m.files.map((f: any) => (f.path === 'assets/logo.png' ? { ...f, sha256: sha256('other') } : f)) }) });
      expect((await expectRejected(read(wrongSha), 422, 'checksum-mismatch')).message).toContain('assets/logo.png');
      const wrongSize = await craft({ manifest: (m) => ({ ...m, files: m.files.map((f: any) => (f.path === 'assets/logo.png' ? { ...f, size: f.size + 1 } : f)) }) });
      expect((await expectRejected(read(wrongSize), 422, 'checksum-mismatch')).message).toContain('assets/logo.png');
      const zip = await JSZip.loadAsync(VALID);
      zip.file('definition.json', '{"steps":["swapped"]}');
      expect((await expectRejected(read(await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' })), 422, 'checksum-mismatch')).message).toContain('definition.json');
    });

    it('refuses a definition.json that is not JSON (422 definition-invalid)', async () => {
      await expectRejected(read(await craft({ definitionText: '{"steps": [' })), 422, 'definition-invalid');
      await expectRejected(read(await craft({ definitionText: '' })), 422, 'definition-invalid');
      const latin1 = Buffer.from('{"name":"caf\xe9"}', 'latin1').toString('latin1');
      const notUtf8 = rawZip([
        { name: 'manifest.json', data: Buffer.from(JSON.stringify({ ...manifestFor('', []), files: [{ path: 'definition.json', sha256: sha256(Buffer.from(latin1, 'latin1')), size: latin1.length }] })) },
        { name: 'definition.json', data: Buffer.from(latin1, 'latin1') },
      ]);
      await expectRejected(read(notUtf8), 422, 'definition-invalid');
    });

    it('refuses a definition.json over maxDefinitionBytes (413 definition-too-large)', async () => {
      const definitionText = JSON.stringify({ text: randomBytes(2048).toString('hex') });
      await expectRejected(read(await craft({ definitionText }), { maxDefinitionBytes: 1024 }), 413, 'definition-too-large');
      await expect(read(await craft({ definitionText }), { maxDefinitionBytes: definitionText.length })).resolves.toBeDefined();
    });
  });
});
