import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPIC_CATALOG } from '@lib/contracts';
import { baselineOf } from '../libs/contracts/src/compat/schema-compat';

/**
 * Freezes the contract of every topic that has no baseline yet (a new topic, or a new topic version).
 * It never rewrites an existing baseline: a topic's contract changes only by adding event types, or by a
 * new topic version. The compatibility test compares the code with these files.
 */
export const BASELINE_DIR = join(__dirname, '..', 'libs', 'contracts', 'src', 'compat', 'baselines');

if (require.main === module) {
  mkdirSync(BASELINE_DIR, { recursive: true });
  for (const topic of TOPIC_CATALOG) {
    const file = join(BASELINE_DIR, `${topic.topic}.json`);
    if (existsSync(file)) continue;
    writeFileSync(file, `${JSON.stringify(baselineOf(topic), null, 2)}\n`);
    console.log(`froze ${file}`);
  }
}
