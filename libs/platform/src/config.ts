import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { REGIONS } from '@lib/contracts';
import { regionPeerProblems, regionPeerSettings } from './region-peers';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

const seconds = (fallback: number) => z.coerce.number().int().positive().max(10 * 365 * 24 * 3600).default(fallback);

/** settings every service reads; each service extends this with its own */
export const baseConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** wraps the per-user keys that seal personal data in events (base64, 32 bytes); a 0600 file per service under DATA_DIR when unset */
  PERSONAL_DATA_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  REGION: z.enum(REGIONS).default('us'),
  OPERATOR_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** still accepted during an operator token rotation (docs/runbook.md) */
  OPERATOR_TOKEN_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
  SERVICE_TOKENS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(z.string().min(32, 'each service token must be at least 32 characters'))),
  ACCESS_TOKEN_TTL_SECONDS: seconds(900),
  REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 3600),
  INVITATION_TTL_SECONDS: seconds(7 * 24 * 3600),
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** serve Prometheus metrics on this separate port (GET /metrics); the API port never serves them openly */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** bearer token that unlocks GET /metrics on the API port (for scrapers that cannot reach METRICS_PORT) */
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_FAILURE_WINDOW_SECONDS: seconds(15 * 60),
  /**
   * peers whose X-Forwarded-For is believed (comma-separated IPs or CIDRs, e.g. `10.0.0.0/8,127.0.0.1`);
   * default none: the client address is the connecting peer, whatever headers say
   */
  TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(z.string().refine(isCidr, 'each trusted proxy must be an IP address or CIDR (10.0.0.0/8, ::1/128)'))),
  /** where verifiers fetch identity's public keys when identity runs in another process */
  JWKS_URL: z.string().url().optional(),
  /**
   * `sqlite` (a file per service under DATA_DIR), `kurrentdb` (KURRENTDB_CONNECTION_STRING) or `postgres`
   * (POSTGRES_URL: a schema per service; the store that several replicas of a service can share)
   */
  EVENT_STORE: z.enum(['sqlite', 'kurrentdb', 'postgres']).default('sqlite'),
  POSTGRES_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// connection string')
    .optional(),
  KURRENTDB_CONNECTION_STRING: z
    .string()
    .regex(/^(kurrentdb|esdb|kdb)(\+discover)?:\/\//, 'must be a kurrentdb:// connection string')
    .optional(),
  /** `in-process` (one process runs every service) or `kafka` (KAFKA_BROKERS) */
  BUS: z.enum(['in-process', 'kafka']).default('in-process'),
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(z.string().regex(/^[\w.-]+:\d+$/, 'each broker must be host:port'))),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(7).default(1),
  /** prefix of every topic and consumer group (`<namespace>.organization.events.v1`): stacks sharing a cluster */
  KAFKA_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, 'lowercase letters, digits, _ and -, at most 48 characters')
    .optional(),
  /** on SIGTERM: readiness false and connections closed after each response for this long, then stop */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  /** one account across regions (docs/regions.md): the peer regions and the credential presented to them */
  ...regionPeerSettings,
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** cross-field rules every service's schema applies (zod refinements cannot be merged, so they run here) */
export function infrastructureProblems(config: BaseConfig): string[] {
  const problems: string[] = [];
  if (config.EVENT_STORE === 'kurrentdb' && !config.KURRENTDB_CONNECTION_STRING) {
    problems.push('KURRENTDB_CONNECTION_STRING: required when EVENT_STORE=kurrentdb');
  }
  if (config.EVENT_STORE === 'postgres' && !config.POSTGRES_URL) problems.push('POSTGRES_URL: required when EVENT_STORE=postgres');
  if (config.BUS === 'kafka' && config.KAFKA_BROKERS.length === 0) problems.push('KAFKA_BROKERS: required when BUS=kafka');
  problems.push(...regionPeerProblems(config));
  return problems;
}

/**
 * Parses the environment once, at boot. A bad value throws a ConfigError naming each variable at fault;
 * the result is frozen.
 */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const value = { ...result.data };
  const problems = 'BUS' in value ? infrastructureProblems(value as BaseConfig) : [];
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  if ('DATA_DIR' in value) value.DATA_DIR = resolve(String(value.DATA_DIR));
  return Object.freeze(value);
}

/**
 * The operator token: the configured one, or one generated on first start and kept (mode 0600) under the
 * data directory, so a newcomer can provision an organization without configuring anything.
 */
export function resolveOperatorToken(config: Pick<BaseConfig, 'OPERATOR_TOKEN' | 'DATA_DIR'>): {
  token: string;
  generatedAt?: string;
} {
  if (config.OPERATOR_TOKEN) return { token: config.OPERATOR_TOKEN };
  const file = join(config.DATA_DIR, 'operator-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generatedAt: file };
  mkdirSync(config.DATA_DIR, { recursive: true });
  const token = `op_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, generatedAt: file };
}

/**
 * Files under DATA_DIR hold events, keys and mail: the process creates them 0600 (directories 0700) through
 * its umask (SQLite makes its -wal/-shm files itself, so a mode per call would miss them), and DATA_DIR itself
 * is made 0700, which also closes what an older version created with wider modes.
 */
export function secureDataDir(dataDir: string) {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}
