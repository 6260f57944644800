/**
 * orgctl: the operator's command line for one region's stack.
 *
 *   node tools/orgctl/bin/orgctl.js <command> …      (from any directory; registers ts-node itself)
 *
 * Everything goes through `main(argv, io)`, which returns the exit code and writes only to the injected
 * streams, so tests run it in-process. Exit codes: 0 ok, 1 refused (by the API, or a rebuild that cannot
 * run), 2 usage, 3 stack unreachable, 130 interrupted.
 */
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import type { AuditEntry } from '@lib/contracts';
import { ApiClient, ApiFailure } from './api-client';
import { caughtUp, describeReaders, parseReadiness, watchCatchUp } from './catch-up';
import { ProgressOutput } from './progress';
import { describeApp, exportApp, importApp, publishApp } from './app-commands';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;

export interface OutputStream extends ProgressOutput {
  write(text: string): unknown;
}

export interface OrgctlIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** aborted (the CLI wires SIGINT to it): HTTP calls are cancelled, a rebuild stops at the next batch */
  signal?: AbortSignal;
  /** a monotonic clock in ms (progress and rates) */
  now?: () => number;
}

const DEFAULT_URL = 'http://127.0.0.1:3000';
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_PAGE = 200;

const USAGE = `orgctl: operate an organizations control plane stack

usage: orgctl <command> [options]

commands (against a running stack's HTTP API):
  provision --name N --region R --admin-email E   provision an organization (R must be the stack's region)
  list [--limit N] [--page-size N]                the stack's organizations (follows cursors; --limit caps the total)
  show ID                                         one organization
  suspend ID [--reason TEXT]                      suspend an organization
  reactivate ID                                   reactivate a suspended organization
  audit-export ID --from ISO --to ISO [--out FILE] [--page-size N]
                                                  the audit entries with from <= at < to, as JSON Lines,
                                                  oldest first (to stdout, or to FILE written atomically)

service credentials (named, scoped credentials of internal services; OPERATOR_TOKEN stays the operator's):
  credential-create NAME --scope S [--scope S …] [--description TEXT]
                                                  create one; its secret is printed once (scopes: authz:check,
                                                  organizations:provision); its holder gets tokens from POST /v1/oauth/token
  credential-list                                 the credentials, their scopes and status (never a secret)
  credential-rotate NAME [--overlap SECONDS]      a new secret (printed once); the previous one keeps working
                                                  for SECONDS (default 3600)
  credential-revoke NAME                          revoke: no new token from now on (issued ones expire within
                                                  identity's SERVICE_TOKEN_TTL_SECONDS, default 60)

app packages, for deployment pipelines (as a member: an organization-scoped token of a Developer or Admin
from --token, --token-file or env ORGCTL_TOKEN; never the operator token):
  app-export ORG APP --out FILE                   export the app and download its signed package
  app-import ORG --package FILE [--settings FILE] [--upgrade] [--publish] [--acknowledge-cross-region] [--allow-unsigned]
                                                  import (or, with --upgrade, make it the next version of the
                                                  same app), bind and configure from the settings document
                                                  (docs/deployment-settings.md) and publish, in one call
  app-publish ORG APP [--version N]               publish the current (or the given) version
  catch-up [--interval MS] [--once]               how far the stack's relays, read models and consumers are
                                                  behind (from /health/ready), with a progress bar until all
                                                  have caught up; --once prints where they are and exits
                                                  (0 caught up, 1 not yet). No token needed.

offline (the service must be stopped):
  rebuild --service organization|app-packaging [--data-dir DIR] [--batch-size N]
                                                  drop and replay the service's read models from its event
                                                  log (DIR/<service>/events.sqlite); safe to interrupt and rerun

options of the API commands:
  --url URL            the stack (env ORGCTL_URL, default ${DEFAULT_URL})
  --token TOKEN        the operator token (or env OPERATOR_TOKEN)
  --token-file FILE    a file holding it (default DATA_DIR/operator-token when present; DATA_DIR defaults to ./data)
  --timeout MS         per request (default ${DEFAULT_TIMEOUT_MS})
  --json               machine-readable output (errors too, on stderr)

exit codes: 0 ok, 1 refused (by the API, or a rebuild that cannot run), 2 usage, 3 stack unreachable, 130 interrupted
`;

class UsageError extends Error {}
/** an operation that cannot run as asked (exit 1) */
class Refusal extends Error {}

type Options = ParseArgsConfig['options'];

const apiOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

const COMMANDS = {
  provision: { positionals: 0, options: { ...apiOptions, name: { type: 'string' }, region: { type: 'string' }, 'admin-email': { type: 'string' } } },
  list: { positionals: 0, options: { ...apiOptions, limit: { type: 'string' }, 'page-size': { type: 'string' } } },
  show: { positionals: 1, options: apiOptions },
  suspend: { positionals: 1, options: { ...apiOptions, reason: { type: 'string' } } },
  reactivate: { positionals: 1, options: apiOptions },
  'audit-export': {
    positionals: 1,
    options: { ...apiOptions, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, 'page-size': { type: 'string' } },
  },
  'credential-create': { positionals: 1, options: { ...apiOptions, scope: { type: 'string', multiple: true }, description: { type: 'string' } } },
  'credential-list': { positionals: 0, options: apiOptions },
  'credential-rotate': { positionals: 1, options: { ...apiOptions, overlap: { type: 'string' } } },
  'credential-revoke': { positionals: 1, options: apiOptions },
  'app-export': { positionals: 2, options: { ...apiOptions, out: { type: 'string' } } },
  'app-import': {
    positionals: 1,
    options: {
      ...apiOptions,
      package: { type: 'string' },
      settings: { type: 'string' },
      upgrade: { type: 'boolean' },
      publish: { type: 'boolean' },
      'acknowledge-cross-region': { type: 'boolean' },
      'allow-unsigned': { type: 'boolean' },
    },
  },
  'app-publish': { positionals: 2, options: { ...apiOptions, version: { type: 'string' } } },
  'catch-up': {
    positionals: 0,
    options: { url: { type: 'string' }, timeout: { type: 'string' }, interval: { type: 'string' }, once: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  },
  rebuild: {
    positionals: 0,
    options: {
      service: { type: 'string' },
      'data-dir': { type: 'string' },
      'batch-size': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  },
} as const satisfies Record<string, { positionals: number; options: Options }>;

type CommandName = keyof typeof COMMANDS;
type Values = Record<string, string | boolean | undefined>;

interface Context {
  io: OrgctlIo;
  values: Values;
  positionals: string[];
  json: boolean;
}

/** runs one command line; never throws, never exits: returns the exit code */
export async function main(argv: readonly string[], partialIo: Partial<OrgctlIo> = {}): Promise<number> {
  const io: OrgctlIo = {
    stdout: partialIo.stdout ?? process.stdout,
    stderr: partialIo.stderr ?? process.stderr,
    env: partialIo.env ?? process.env,
    cwd: partialIo.cwd ?? process.cwd(),
    signal: partialIo.signal,
    now: partialIo.now,
  };
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr.write(USAGE);
    return EXIT.usage;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (!Object.prototype.hasOwnProperty.call(COMMANDS, command)) {
    io.stderr.write(`orgctl: unknown command "${command}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  const spec = COMMANDS[command as CommandName];
  let ctx: Context;
  try {
    const parsed = parseArgs({ args: [...rest], options: spec.options, allowPositionals: true, strict: true });
    if (parsed.values.help) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (parsed.positionals.length !== spec.positionals) {
      throw new UsageError(
        spec.positionals === 0
          ? `${command} takes no arguments (got ${parsed.positionals.join(' ')})`
          : spec.positionals === 2
            ? `${command} needs an organization id and an app id`
            : command.startsWith('credential-')
              ? `${command} needs exactly one credential name`
              : `${command} needs exactly one organization id`,
      );
    }
    ctx = { io, values: parsed.values as Values, positionals: parsed.positionals, json: parsed.values.json === true };
  } catch (error) {
    io.stderr.write(`orgctl ${command}: ${(error as Error).message}\nrun "orgctl --help" for usage\n`);
    return EXIT.usage;
  }
  try {
    switch (command as CommandName) {
      case 'provision':
        return await provision(ctx);
      case 'list':
        return await list(ctx);
      case 'show':
        return await show(ctx);
      case 'suspend':
        return await changeStatus(ctx, 'suspend');
      case 'reactivate':
        return await changeStatus(ctx, 'reactivate');
      case 'audit-export':
        return await auditExport(ctx);
      case 'rebuild':
        return await rebuild(ctx);
      case 'app-export':
      case 'app-import':
      case 'app-publish':
        return await appCommand(ctx, command as 'app-export' | 'app-import' | 'app-publish');
      case 'catch-up':
        return await catchUp(ctx);
      case 'credential-create':
      case 'credential-list':
      case 'credential-rotate':
      case 'credential-revoke':
        return await credentialCommand(ctx, command as 'credential-create' | 'credential-list' | 'credential-rotate' | 'credential-revoke');
    }
  } catch (error) {
    return fail(ctx, error, command);
  }
}

function fail(ctx: Context, error: unknown, command: string): number {
  let code: number;
  let message: string;
  let extra: Record<string, unknown> = {};
  if (error instanceof UsageError) {
    code = EXIT.usage;
    message = `${error.message}\nrun "orgctl --help" for usage`;
  } else if (error instanceof Refusal) {
    code = EXIT.refused;
    message = error.message;
  } else if (error instanceof ApiFailure) {
    code = error.exitCode;
    message = error.kind === 'interrupted' ? 'interrupted' : error.message;
    extra = { status: error.status, problem: error.problem };
  } else {
    code = EXIT.refused;
    message = `failed: ${(error as Error)?.message ?? String(error)}`;
  }
  if (ctx.json) ctx.io.stderr.write(`${JSON.stringify({ error: { message, exitCode: code, ...extra } })}\n`);
  else ctx.io.stderr.write(`orgctl ${command}: ${message}\n`);
  return code;
}

// ---------------------------------------------------------------------------------------------------------
// options

function str(ctx: Context, name: string, required: true): string;
function str(ctx: Context, name: string, required?: false): string | undefined;
function str(ctx: Context, name: string, required = false): string | undefined {
  const v = ctx.values[name];
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (v !== undefined && typeof v === 'string') throw new UsageError(`--${name} must not be empty`);
  if (required) throw new UsageError(`--${name} is required`);
  return undefined;
}

function positiveInt(ctx: Context, name: string, fallback: number, max?: number): number;
function positiveInt(ctx: Context, name: string, fallback: undefined, max?: number): number | undefined;
function positiveInt(ctx: Context, name: string, fallback: number | undefined, max = Number.MAX_SAFE_INTEGER) {
  const v = str(ctx, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}`);
  return Number(v);
}

function isoInstant(ctx: Context, name: string): number {
  const v = str(ctx, name, true);
  const t = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`--${name} must be an ISO 8601 date or date-time (e.g. 2025-01-31 or 2025-01-31T12:00:00Z), got "${v}"`);
  return t;
}

function dataDir(io: OrgctlIo) {
  return resolve(io.cwd, io.env.DATA_DIR || './data');
}

/** --token, then --token-file, then OPERATOR_TOKEN, then DATA_DIR/operator-token */
function operatorToken(ctx: Context): string {
  const flag = str(ctx, 'token');
  if (flag) return flag.trim();
  const file = str(ctx, 'token-file');
  if (file) {
    const path = resolve(ctx.io.cwd, file);
    let token: string;
    try {
      token = readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw new UsageError(`cannot read --token-file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!token) throw new UsageError(`--token-file ${path} is empty`);
    return token;
  }
  if (ctx.io.env.OPERATOR_TOKEN?.trim()) return ctx.io.env.OPERATOR_TOKEN.trim();
  const fallback = join(dataDir(ctx.io), 'operator-token');
  if (existsSync(fallback)) {
    const token = readFileSync(fallback, 'utf8').trim();
    if (token) return token;
  }
  throw new UsageError(`no operator token: pass --token or --token-file, set OPERATOR_TOKEN, or run where ${fallback} exists`);
}

/** app commands act as a member: --token, --token-file or ORGCTL_TOKEN (no operator-token fallbacks) */
function memberClient(ctx: Context) {
  const hasToken = str(ctx, 'token') || str(ctx, 'token-file');
  if (!hasToken && !ctx.io.env.ORGCTL_TOKEN?.trim()) {
    throw new UsageError('app commands need an organization-scoped token of a Developer or Admin: --token, --token-file or env ORGCTL_TOKEN');
  }
  return client(ctx, hasToken ? undefined : ctx.io.env.ORGCTL_TOKEN!.trim());
}

async function appCommand(ctx: Context, command: 'app-export' | 'app-import' | 'app-publish') {
  const api = memberClient(ctx);
  const [org, appId] = ctx.positionals;
  if (command === 'app-export') {
    const exported = await exportApp(api, ctx.io, org, appId, str(ctx, 'out', true));
    if (ctx.json) printJson(ctx, exported);
    else ctx.io.stdout.write(`exported version ${exported.version} of ${appId}: ${exported.file} (${exported.size} bytes, sha256 ${exported.sha256})\n`);
    return EXIT.ok;
  }
  const app =
    command === 'app-import'
      ? await importApp(api, ctx.io, org, {
          packageFile: str(ctx, 'package', true),
          settingsFile: str(ctx, 'settings'),
          upgrade: ctx.values.upgrade === true,
          publish: ctx.values.publish === true,
          acknowledgeCrossRegion: ctx.values['acknowledge-cross-region'] === true,
          allowUnsigned: ctx.values['allow-unsigned'] === true,
        })
      : await publishApp(api, org, appId, positiveInt(ctx, 'version', undefined));
  if (ctx.json) printJson(ctx, app);
  else ctx.io.stdout.write(describeApp(app));
  return EXIT.ok;
}

function stackUrl(ctx: Context): string {
  const baseUrl = str(ctx, 'url') ?? (ctx.io.env.ORGCTL_URL?.trim() || DEFAULT_URL);
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${baseUrl}"`);
  }
  return baseUrl;
}

function client(ctx: Context, memberToken?: string) {
  const baseUrl = stackUrl(ctx);
  return new ApiClient({
    baseUrl,
    token: memberToken ?? operatorToken(ctx),
    timeoutMs: positiveInt(ctx, 'timeout', DEFAULT_TIMEOUT_MS, 3_600_000),
    signal: ctx.io.signal,
  });
}

const orgPath = (id: string) => `/v1/organizations/${encodeURIComponent(id)}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function printJson(ctx: Context, value: unknown) {
  ctx.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// API commands

interface CredentialView {
  name: string;
  scopes: string[];
  status: string;
  createdAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  previousSecretValidUntil: string | null;
  clientSecret?: string;
}

async function credentialCommand(ctx: Context, command: 'credential-create' | 'credential-list' | 'credential-rotate' | 'credential-revoke') {
  const api = client(ctx);
  const name = ctx.positionals[0];
  const path = name === undefined ? '' : `/v1/service-credentials/${encodeURIComponent(name)}`;
  let result: CredentialView | { items: CredentialView[] };
  if (command === 'credential-create') {
    const scopes = ctx.values.scope as unknown as string[] | undefined;
    if (!scopes?.length) throw new UsageError('--scope is required (repeat it for several scopes)');
    result = await api.post<CredentialView>('/v1/service-credentials', { name, scopes, ...(str(ctx, 'description') ? { description: str(ctx, 'description') } : {}) });
  } else if (command === 'credential-rotate') {
    const overlap = str(ctx, 'overlap');
    if (overlap !== undefined && !/^\d{1,7}$/.test(overlap)) throw new UsageError('--overlap must be a number of seconds (0 to 2592000)');
    result = await api.post<CredentialView>(`${path}/rotate`, overlap === undefined ? {} : { overlapSeconds: Number(overlap) });
  } else if (command === 'credential-revoke') result = await api.call<CredentialView>('DELETE', path);
  else result = await api.get<{ items: CredentialView[] }>('/v1/service-credentials');
  if (ctx.json) {
    printJson(ctx, result);
    return EXIT.ok;
  }
  const line = (c: CredentialView) =>
    `${c.name.padEnd(24)} ${c.status.padEnd(8)} ${c.scopes.join(',').padEnd(40)} ${c.previousSecretValidUntil ? `previous secret valid until ${c.previousSecretValidUntil}` : ''}`.trimEnd();
  if ('items' in result) {
    ctx.io.stdout.write(result.items.length ? `${result.items.map(line).join('\n')}\n` : 'no service credentials\n');
    return EXIT.ok;
  }
  ctx.io.stdout.write(`${line(result)}\n`);
  if (result.clientSecret) {
    ctx.io.stdout.write(`client_id:     ${result.name}\nclient_secret: ${result.clientSecret}\n(shown once: store it in the service's secret store now)\n`);
  }
  return EXIT.ok;
}

interface OrganizationView {
  id: string;
  name: string;
  region: string;
  status: string;
  memberCount: number;
  createdAt?: string;
}

function describeOrganization(o: OrganizationView) {
  const rows: [string, unknown][] = [
    ['id', o.id],
    ['name', o.name],
    ['region', o.region],
    ['status', o.status],
    ['members', o.memberCount],
  ];
  if (o.createdAt) rows.push(['created', o.createdAt]);
  return rows.map(([k, v]) => `${`${k}:`.padEnd(9)}${v}`).join('\n');
}

async function provision(ctx: Context) {
  const name = str(ctx, 'name', true);
  const region = str(ctx, 'region', true);
  const email = str(ctx, 'admin-email', true);
  const api = client(ctx);
  const org = await api.post<
    OrganizationView & { admin: { email: string; status: 'member' | 'invited'; userId?: string; invitationId?: string; expiresAt?: string } }
  >('/v1/organizations', { name, region, admin: { email } });
  if (ctx.json) printJson(ctx, org);
  else {
    const admin =
      org.admin?.status === 'member'
        ? `${org.admin.email} is its Admin (${org.admin.userId})`
        : `${org.admin?.email} is invited as its Admin (invitation ${org.admin?.invitationId}, expires ${org.admin?.expiresAt})`;
    ctx.io.stdout.write(`provisioned ${org.id} "${org.name}" in region ${org.region}\n${describeOrganization(org)}\nadmin:   ${admin}\n`);
  }
  return EXIT.ok;
}

async function list(ctx: Context) {
  const cap = positiveInt(ctx, 'limit', undefined);
  const pageSize = positiveInt(ctx, 'page-size', MAX_PAGE, MAX_PAGE);
  const api = client(ctx);
  const items: OrganizationView[] = [];
  let cursor: string | undefined;
  for (;;) {
    const want = cap === undefined ? pageSize : Math.min(pageSize, cap - items.length);
    const page = await api.get<{ items: OrganizationView[]; nextCursor: string | null }>('/v1/organizations', { cursor, limit: want });
    items.push(...page.items);
    if (!page.nextCursor || page.items.length === 0 || (cap !== undefined && items.length >= cap)) break;
    cursor = page.nextCursor;
  }
  if (ctx.json) {
    printJson(ctx, items);
    return EXIT.ok;
  }
  if (items.length === 0) {
    ctx.io.stdout.write('no organizations\n');
    return EXIT.ok;
  }
  const header = ['ID', 'NAME', 'REGION', 'STATUS', 'MEMBERS', 'CREATED'];
  const rows = items.map((o) => [o.id, o.name, o.region, o.status, String(o.memberCount), o.createdAt ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  ctx.io.stdout.write(`${[header, ...rows].map(line).join('\n')}\n`);
  return EXIT.ok;
}

async function show(ctx: Context) {
  const org = await client(ctx).get<OrganizationView>(orgPath(ctx.positionals[0]));
  if (ctx.json) printJson(ctx, org);
  else ctx.io.stdout.write(`${describeOrganization(org)}\n`);
  return EXIT.ok;
}

async function changeStatus(ctx: Context, action: 'suspend' | 'reactivate') {
  const reason = action === 'suspend' ? str(ctx, 'reason') : undefined;
  const org = await client(ctx).post<OrganizationView>(`${orgPath(ctx.positionals[0])}/${action}`, reason ? { reason } : {});
  if (ctx.json) printJson(ctx, org);
  else ctx.io.stdout.write(`${action === 'suspend' ? 'suspended' : 'reactivated'} ${org.id} "${org.name}": status ${org.status}\n`);
  return EXIT.ok;
}

/**
 * The audit endpoint pages newest first; entries are kept while from <= at < to and paging stops at the
 * first entry older than --from (an organization's entries are ordered by time). The file is written
 * oldest first, which is the natural order of a log: `tail` shows the latest, appending a later export
 * continues it.
 */
async function auditExport(ctx: Context) {
  const id = ctx.positionals[0];
  const from = isoInstant(ctx, 'from');
  const to = isoInstant(ctx, 'to');
  if (from >= to) throw new UsageError('--from must be before --to');
  const pageSize = positiveInt(ctx, 'page-size', MAX_PAGE, MAX_PAGE);
  const out = str(ctx, 'out');
  const api = client(ctx);
  const kept: AuditEntry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let read = 0;
  paging: for (;;) {
    const page = await api.get<{ items: AuditEntry[]; nextCursor: string | null }>(`${orgPath(id)}/audit`, { cursor, limit: pageSize });
    pages += 1;
    for (const entry of page.items) {
      read += 1;
      const at = Date.parse(entry.at);
      if (at < from) break paging;
      if (at < to) kept.push(entry);
    }
    if (!page.nextCursor || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  kept.reverse();
  const body = kept.map((e) => `${JSON.stringify(e)}\n`).join('');
  const range = `${new Date(from).toISOString()} <= at < ${new Date(to).toISOString()}`;
  if (out) {
    const path = resolve(ctx.io.cwd, out);
    const partial = join(dirname(path), `.${path.split(/[\\/]/).pop()}.${process.pid}.partial`);
    try {
      await new Promise<void>((done, failed) => {
        const stream = createWriteStream(partial, { mode: 0o600 });
        stream.on('error', failed);
        stream.end(body, () => done());
      });
      renameSync(partial, path);
    } catch (error) {
      rmSync(partial, { force: true });
      throw new Error(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
    }
    const summary = { organizationId: id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), entries: kept.length, pages, read, out: path };
    if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(summary)}\n`);
    else ctx.io.stdout.write(`exported ${kept.length === 1 ? '1 audit entry' : `${kept.length} audit entries`} of ${id} (${range}), oldest first, to ${path} (${plural(pages, 'page')}, ${read} read)\n`);
  } else {
    ctx.io.stdout.write(body);
    if (!ctx.json) ctx.io.stderr.write(`exported ${kept.length === 1 ? '1 audit entry' : `${kept.length} audit entries`} of ${id} (${range}), oldest first (${plural(pages, 'page')}, ${read} read)\n`);
  }
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------
// offline

async function rebuild(ctx: Context) {
  const service = str(ctx, 'service', true);
  if (service === 'identity') {
    throw new UsageError('identity has no read models to rebuild (its read-models.sqlite holds only the relay checkpoint)');
  }
  // loaded only here: the API commands need neither SQLite nor the services' code
  const { REBUILDABLE, rebuildReadModels } = await import('./rebuild');
  if (!Object.prototype.hasOwnProperty.call(REBUILDABLE, service)) {
    throw new UsageError(`--service must be one of ${Object.keys(REBUILDABLE).join(', ')}, got "${service}"`);
  }
  const dir = resolve(ctx.io.cwd, str(ctx, 'data-dir') ?? (ctx.io.env.DATA_DIR || './data'));
  const outcome = await rebuildReadModels({
    service,
    dataDir: dir,
    batchSize: positiveInt(ctx, 'batch-size', 5000, 1_000_000),
    signal: ctx.io.signal,
    progress: ctx.io.stderr,
    now: ctx.io.now,
  });
  switch (outcome.kind) {
    case 'refused':
      throw new Refusal(outcome.message);
    case 'interrupted': {
      const message = `interrupted: run again to finish (${outcome.events} of ${outcome.total} events replayed; the read models are consistent up to position ${outcome.position}, and a rerun starts over)`;
      if (ctx.json) ctx.io.stderr.write(`${JSON.stringify({ error: { message, exitCode: EXIT.interrupted, ...outcome } })}\n`);
      else ctx.io.stderr.write(`orgctl rebuild: ${message}\n`);
      return EXIT.interrupted;
    }
    case 'done': {
      const { kind: _k, ...summary } = outcome;
      if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        ctx.io.stdout.write(
          `rebuilt the ${service} read models (${summary.projections.join(', ')}) in ${summary.dir}: ` +
            `${summary.events.toLocaleString('en-US')} events in ${summary.seconds.toFixed(2)} s ` +
            `(${Math.round(summary.eventsPerSecond).toLocaleString('en-US')} events/s), checkpoint at position ${summary.position}\n`,
        );
      return EXIT.ok;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// catch-up

async function catchUp(ctx: Context): Promise<number> {
  const url = new URL('/health/ready', stackUrl(ctx)).toString();
  const timeoutMs = positiveInt(ctx, 'timeout', DEFAULT_TIMEOUT_MS, 3_600_000);
  const intervalMs = positiveInt(ctx, 'interval', 1000, 600_000);
  const poll = async () => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(ctx.io.signal ? [ctx.io.signal] : [])];
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.any(signals) });
    } catch (error) {
      if (ctx.io.signal?.aborted) throw new ApiFailure('interrupted', 'interrupted');
      throw new ApiFailure('unreachable', `stack unreachable at ${url}: ${(error as Error).message}`);
    }
    const body: unknown = await res.json().catch(() => null);
    return parseReadiness(res.status, body);
  };
  if (ctx.values.once === true) {
    const snapshot = await poll();
    if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ caughtUp: caughtUp(snapshot), ...snapshot })}\n`);
    else ctx.io.stdout.write(`${caughtUp(snapshot) ? 'caught up' : 'catching up'}\n${describeReaders(snapshot)}\n`);
    return caughtUp(snapshot) ? EXIT.ok : EXIT.refused;
  }
  const outcome = await watchCatchUp({ poll, out: ctx.io.stderr, intervalMs, signal: ctx.io.signal, now: ctx.io.now });
  if (outcome.kind === 'interrupted') {
    ctx.io.stderr.write(`orgctl catch-up: interrupted\n${describeReaders(outcome.last)}\n`);
    return EXIT.interrupted;
  }
  if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ caughtUp: true, ...outcome.last })}\n`);
  else ctx.io.stdout.write(`caught up\n${describeReaders(outcome.last)}\n`);
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------
// process entry

/** the real process: SIGINT asks a running command to stop cleanly, a second SIGINT exits at once */
export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    process.exitCode = await main(argv, { signal: controller.signal });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) void run();
