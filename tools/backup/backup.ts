import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Backup and restore of the embedded defaults: every SQLite file (event stores and read models) copied with
 * SQLite's online backup API, so a running process keeps writing and the copy is consistent; plus the files
 * beside them (signing keys, operator token, master key, package objects, which are written once and renamed
 * into place, so a copy never sees half an object).
 */
export interface BackupReport {
  databases: string[];
  files: number;
  bytes: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

export async function backup(dataDir: string, outDir: string): Promise<BackupReport> {
  if (!existsSync(dataDir)) throw new Error(`no data directory at ${dataDir}`);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new Error(`${outDir} is not empty: back up into a new directory`);
  mkdirSync(outDir, { recursive: true });
  const report: BackupReport = { databases: [], files: 0, bytes: 0 };
  for (const path of walk(dataDir)) {
    const rel = relative(dataDir, path);
    if (/\.sqlite-(wal|shm)$/.test(rel) || /\.tmp/.test(rel)) continue; // the online backup includes what the WAL holds
    const target = join(outDir, rel);
    mkdirSync(join(target, '..'), { recursive: true });
    if (rel.endsWith('.sqlite')) {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        await db.backup(target);
      } finally {
        db.close();
      }
      report.databases.push(rel);
    } else {
      cpSync(path, target, { preserveTimestamps: true });
    }
    report.files += 1;
    report.bytes += statSync(target).size;
  }
  writeFileSync(join(outDir, 'BACKUP.json'), JSON.stringify({ createdAt: new Date().toISOString(), from: dataDir, ...report }, null, 2));
  return report;
}

/** restores a backup into an empty (or missing) data directory; the services must not be running on it */
export function restore(backupDir: string, dataDir: string): BackupReport {
  const manifestFile = join(backupDir, 'BACKUP.json');
  if (!existsSync(manifestFile)) throw new Error(`${backupDir} is not a backup (no BACKUP.json)`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) throw new Error(`${dataDir} is not empty: restore into an empty data directory`);
  mkdirSync(dataDir, { recursive: true });
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupReport;
  for (const path of walk(backupDir)) {
    const rel = relative(backupDir, path);
    if (rel === 'BACKUP.json') continue;
    mkdirSync(join(dataDir, rel, '..'), { recursive: true });
    cpSync(path, join(dataDir, rel), { preserveTimestamps: true });
  }
  for (const db of manifest.databases) {
    const check = new Database(join(dataDir, db), { readonly: true });
    const result = check.pragma('integrity_check', { simple: true });
    check.close();
    if (result !== 'ok') throw new Error(`${db} failed its integrity check after restore: ${String(result)}`);
  }
  return manifest;
}

if (require.main === module) {
  const [command, from, to] = process.argv.slice(2);
  const usage = 'usage: backup.ts backup <data-dir> <backup-dir> | restore <backup-dir> <data-dir>';
  if (!from || !to || (command !== 'backup' && command !== 'restore')) {
    console.error(usage);
    process.exit(2);
  }
  Promise.resolve(command === 'backup' ? backup(from, to) : restore(from, to)).then(
    (r) => console.log(`${command}: ${r.databases.length} databases, ${r.files} files, ${r.bytes} bytes`),
    (e) => {
      console.error(`${command} failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
