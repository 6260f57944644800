/**
 * Moves one service's event log from its SQLite file to PostgreSQL (docs/runbook.md, "Moving a region from
 * SQLite to PostgreSQL"). Run it once per service while the old service still runs (a first copy), then again
 * after stopping it (the rest; a rerun copies only what is new), then start the replicas on PostgreSQL.
 *
 *   POSTGRES_URL=postgres://user@host:5432/db npx ts-node -r tsconfig-paths/register --transpile-only \
 *     tools/migrate-event-store/migrate-event-store.ts <service> <events.sqlite> [--mark-published]
 *
 * <service>: identity, organization or app-packaging (the schema is named after it, as the services do).
 * --mark-published: the old service was stopped cleanly (its relay published the whole log), so the new
 * relay starts after the copied log instead of publishing it again (consumers would ignore the duplicates).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createEventStore, createPersonalDataKeyStore, createRelayLeadership, SqliteEventStore } from '@lib/eventstore';
import { copyLog, markRelayPublished } from './copy-log';
import { copyPersonalDataKeys } from './copy-keys';

const SERVICES = ['identity', 'organization', 'app-packaging'];

async function main() {
  const [service, file, ...flags] = process.argv.slice(2);
  const url = process.env.POSTGRES_URL;
  if (!SERVICES.includes(service) || !file || flags.some((f) => f !== '--mark-published') || !url) {
    console.error('usage: POSTGRES_URL=postgres://… migrate-event-store.ts <identity|organization|app-packaging> <events.sqlite> [--mark-published]');
    process.exit(2);
  }
  if (!existsSync(file)) {
    console.error(`no such file: ${file}`);
    process.exit(2);
  }
  const config = { EVENT_STORE: 'postgres' as const, SQLITE_SYNCHRONOUS: 'NORMAL' as const, POSTGRES_URL: url };
  const source = new SqliteEventStore({ filename: file });
  const target = createEventStore(config, file, service);
  const started = Date.now();
  try {
    const sourceHead = await source.headPosition();
    const result = await copyLog(source, target, (p) => process.stderr.write(`\rcopied ${p.copied} events (source position ${p.sourcePosition}/${sourceHead})`));
    process.stderr.write('\n');
    const head = await target.headPosition();
    console.log(`${service}: ${result.copied} events read from ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s; PostgreSQL head ${head}`);
    // the keys that open the personal data in the copied events (docs/personal-data.md)
    const keyStore = createPersonalDataKeyStore(config, file, service);
    try {
      const dir = dirname(file);
      const copied = await copyPersonalDataKeys(join(dir, 'personal-data-keys.sqlite'), join(dir, 'personal-data.key'), keyStore, process.env.PERSONAL_DATA_MASTER_KEY);
      console.log(`${service}: ${copied.keys} personal data keys copied; master key: ${copied.master}`);
    } finally {
      await keyStore.close();
    }
    if (flags.includes('--mark-published')) {
      const leases = createRelayLeadership(config, service)!;
      await markRelayPublished(leases, service, head);
      await leases.close();
      console.log(`${service}: relay checkpoint set to ${head} (the copied log is not published again)`);
    }
  } finally {
    await source.close();
    await target.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
