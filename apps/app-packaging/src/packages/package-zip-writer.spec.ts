import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { crc32 } from './package-crc32';
import { DEFAULT_PACKAGE_LIMITS, PackageBuildError } from './package-manifest';
import { bufferSource, METHOD_DEFLATE, METHOD_STORE, scanZip } from './package-zip-scan';
import { chooseMethod, ZipWriteEntry, zipStream } from './package-zip-writer';

const collect = async (entries: ZipWriteEntry[], maxBytes?: number) => {
  const chunks: Buffer[] = [];
  for await (const chunk of zipStream(entries, { date: new Date('2026-11-01T10:20:30Z'), maxBytes })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const JSON_TEXT = Buffer.from(JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, label: `field ${i}`, required: i % 3 === 0 }))));
const RANDOM = randomBytes(300_000);
const ENTRIES: ZipWriteEntry[] = [
  { name: 'manifest.json', content: Buffer.from('{"formatVersion":1}') },
  { name: 'definition.json', content: JSON_TEXT },
  { name: 'assets/media/photo.bin', content: RANDOM },
  { name: 'assets/empty.txt', content: Buffer.alloc(0) },
  { name: 'assets/i18n/français.json', content: Buffer.from('{"bonjour":"à tous"}') },
];

describe('the streaming ZIP writer (node:zlib)', () => {
  it('crc32 matches the reference value of "123456789"', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('6789'), crc32(Buffer.from('12345')))).toBe(0xcbf43926);
  });

  it('stores what does not compress and deflates the rest', () => {
    expect(chooseMethod(RANDOM)).toBe('store');
    expect(chooseMethod(JSON_TEXT)).toBe('deflate');
    expect(chooseMethod(Buffer.alloc(0))).toBe('store');
    expect(chooseMethod(Buffer.from('tiny'))).toBe('deflate');
  });

  it('writes an archive our strict scan accepts, with the methods, sizes and CRCs of its entries', async () => {
    const zip = await collect(ENTRIES);
    const scanned = await scanZip(bufferSource(zip), DEFAULT_PACKAGE_LIMITS);
    expect(scanned.map((e) => e.name)).toEqual(ENTRIES.map((e) => e.name));
    const byName = new Map(scanned.map((e) => [e.name, e]));
    for (const entry of ENTRIES) {
      const got = byName.get(entry.name)!;
      expect(got.uncompressedSize).toBe(entry.content.length);
      expect(got.crc32).toBe(crc32(entry.content));
    }
    expect(byName.get('assets/media/photo.bin')!.method).toBe(METHOD_STORE);
    expect(byName.get('definition.json')!.method).toBe(METHOD_DEFLATE);
    expect(byName.get('definition.json')!.compressedSize).toBeLessThan(JSON_TEXT.length / 3);
  });

  it('is read back byte for byte by another implementation (jszip)', async () => {
    const archive = await JSZip.loadAsync(await collect(ENTRIES));
    for (const entry of ENTRIES) expect((await archive.file(entry.name)!.async('nodebuffer')).equals(entry.content)).toBe(true);
    expect(archive.file('definition.json')!.date.toISOString()).toBe('2026-11-01T10:20:30.000Z');
  });

  it('passes `unzip -t` (Info-ZIP) and extracts the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-writer-'));
    try {
      const file = join(dir, 'p.zip');
      writeFileSync(file, await collect(ENTRIES));
      const out = execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
      expect(out).toContain('No errors detected');
      execFileSync('unzip', ['-q', file, '-d', join(dir, 'x')]);
      expect(readFileSync(join(dir, 'x', 'assets/media/photo.bin')).equals(RANDOM)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is deterministic for the same entries and date', async () => {
    expect((await collect(ENTRIES)).equals(await collect(ENTRIES))).toBe(true);
  });

  it('honours an explicit method per entry', async () => {
    const zip = await collect([
      { name: 'a.bin', content: RANDOM, method: 'deflate' },
      { name: 'b.json', content: JSON_TEXT, method: 'store' },
    ]);
    const [a, b] = await scanZip(bufferSource(zip), DEFAULT_PACKAGE_LIMITS);
    expect([a.method, b.method]).toEqual([METHOD_DEFLATE, METHOD_STORE]);
    expect(b.compressedSize).toBe(JSON_TEXT.length);
  });

  it('fails the stream with a PackageBuildError as soon as the archive passes maxBytes', async () => {
    await expect(collect(ENTRIES, 100_000)).rejects.toThrow(PackageBuildError);
    await expect(collect(ENTRIES, 100_000)).rejects.toThrow(/more than 100000 bytes/);
  });

  it('stops deflating when the consumer goes away', async () => {
    const stream = zipStream([{ name: 'big.json', content: Buffer.alloc(20_000_000, 'abc') }], { date: new Date() });
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    expect(first.readUInt32LE(0)).toBe(0x04034b50);
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(stream.destroyed).toBe(true);
  });
});
