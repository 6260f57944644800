/**
 * Reads an nginx configuration (the http-level content of deploy/gateway/templates/default.conf.template) and
 * answers where a request path goes, with nginx's own rules for what the gateway uses:
 *   - location selection: `=` exact match; else the longest prefix (kept at once if `^~`); else the first
 *     matching regular expression (`~`, `~*`) in order of appearance; else that longest prefix;
 *   - map: exact keys first, then regular expressions in order, then `default`; captures ($1, named) in values;
 *   - proxy_pass with variables: the name after http:// is an upstream block.
 * Anything else it meets in a location or map (nested locations, `if`, `rewrite`, other variables) is refused,
 * so a change to the gateway that this model does not understand fails the test instead of passing it.
 */

export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
}

export function parseNginx(text: string): Directive[] {
  const tokens = tokenize(text);
  let at = 0;
  const parseBlock = (closing: boolean): Directive[] => {
    const out: Directive[] = [];
    while (at < tokens.length) {
      const t = tokens[at];
      if (t.kind === '}') {
        if (!closing) throw new Error('unexpected }');
        at++;
        return out;
      }
      if (t.kind !== 'word') throw new Error(`unexpected ${t.kind}`);
      const words: string[] = [];
      for (let w = tokens[at]; w?.kind === 'word'; w = tokens[++at]) words.push(w.value);
      const end = tokens[at++];
      if (!end) throw new Error(`unterminated directive ${words.join(' ')}`);
      if (end.kind === ';') out.push({ name: words[0], args: words.slice(1) });
      else if (end.kind === '{') out.push({ name: words[0], args: words.slice(1), block: parseBlock(true) });
      else throw new Error(`unexpected } after ${words.join(' ')}`);
    }
    if (closing) throw new Error('missing }');
    return out;
  };
  return parseBlock(false);
}

type Token = { kind: 'word'; value: string } | { kind: ';' | '{' | '}' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === ';' || c === '{' || c === '}') {
      out.push({ kind: c });
      i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (text[i] !== c) throw new Error('unterminated string');
      i++;
      out.push({ kind: 'word', value });
    } else {
      let value = '';
      // `${var}` is one word; a bare `{` or `}` ends it
      while (i < text.length && !/[\s;{}]/.test(text[i])) {
        if (text[i] === '$' && text[i + 1] === '{') {
          const close = text.indexOf('}', i);
          value += text.slice(i, close + 1);
          i = close + 1;
        } else value += text[i++];
      }
      out.push({ kind: 'word', value });
    }
  }
  return out;
}

export interface Route {
  /** the location that answered, e.g. `~ ^/v1/(users|sessions|me)(/|$)` */
  location: string;
  /** the upstream block proxy_pass named, after variables were evaluated */
  upstream?: string;
  /** its servers (host:port) */
  servers?: string[];
  /** `return <status>` */
  status?: number;
  /** the client_max_body_size in effect, in bytes */
  maxBodyBytes: number;
}

interface MapRule {
  source: string;
  target: string;
  exact: Map<string, string>;
  regex: { re: RegExp; value: string }[];
  fallback: string;
}

export class NginxGateway {
  readonly upstreams = new Map<string, string[]>();
  private readonly maps = new Map<string, MapRule>();
  private readonly server: Directive[];

  constructor(text: string) {
    const top = parseNginx(text);
    for (const d of top) {
      if (d.name === 'upstream') {
        this.upstreams.set(d.args[0], (d.block ?? []).filter((s) => s.name === 'server').map((s) => s.args[0]));
      } else if (d.name === 'map') {
        this.maps.set(d.args[1].replace(/^\$/, ''), parseMap(d));
      } else if (d.name !== 'server') {
        throw new Error(`top-level directive ${d.name} is not understood by test/deploy/support/nginx.ts`);
      }
    }
    const servers = top.filter((d) => d.name === 'server');
    if (servers.length !== 1) throw new Error(`expected one server block, found ${servers.length}`);
    this.server = servers[0].block!;
  }

  /** the value of a map's target variable for a request path */
  variable(name: string, uri: string): string {
    const map = this.maps.get(name);
    if (!map) throw new Error(`variable ${name} is not defined by a map`);
    if (map.source !== '$uri') throw new Error(`map ${name}: only maps of $uri are understood, got ${map.source}`);
    if (map.exact.has(uri)) return map.exact.get(uri)!;
    for (const { re, value } of map.regex) {
      const m = re.exec(uri);
      if (m) return interpolate(value, (v) => captureValue(m, v));
    }
    return map.fallback;
  }

  route(uri: string): Route {
    const locations = this.server.filter((d) => d.name === 'location');
    const location = selectLocation(locations, uri);
    if (!location) throw new Error(`no location matches ${uri}`);
    const block = location.block ?? [];
    const serverBody = this.server.find((d) => d.name === 'client_max_body_size')?.args[0] ?? '1m';
    const route: Route = {
      location: location.args.join(' '),
      maxBodyBytes: parseSize(block.find((d) => d.name === 'client_max_body_size')?.args[0] ?? serverBody),
    };
    for (const d of block) {
      if (d.name === 'proxy_pass') {
        const target = interpolate(d.args[0], (v) => this.variable(v, uri));
        const name = /^https?:\/\/([^/]+)$/.exec(target)?.[1];
        if (!name || !this.upstreams.has(name)) throw new Error(`${uri}: proxy_pass ${d.args[0]} → ${target} names no upstream block`);
        route.upstream = name;
        route.servers = this.upstreams.get(name);
      } else if (d.name === 'return') {
        route.status = Number(d.args[0]);
      } else if (d.block || ['if', 'rewrite', 'set', 'try_files', 'alias', 'root'].includes(d.name)) {
        throw new Error(`location ${route.location}: ${d.name} is not understood by test/deploy/support/nginx.ts`);
      }
    }
    return route;
  }
}

function parseMap(d: Directive): MapRule {
  const rule: MapRule = { source: d.args[0], target: d.args[1], exact: new Map(), regex: [], fallback: '' };
  for (const entry of d.block ?? []) {
    const [key, value] = [entry.name, entry.args[0] ?? ''];
    if (key === 'default') rule.fallback = value;
    else if (key.startsWith('~*')) rule.regex.push({ re: toRegExp(key.slice(2), 'i'), value });
    else if (key.startsWith('~')) rule.regex.push({ re: toRegExp(key.slice(1), ''), value });
    else if (['hostnames', 'volatile', 'include'].includes(key)) throw new Error(`map ${rule.target}: ${key} is not understood`);
    else rule.exact.set(key.startsWith('\\') ? key.slice(1) : key, value);
  }
  return rule;
}

/** PCRE as nginx uses it → JavaScript (the subset a gateway config needs) */
function toRegExp(pcre: string, flags: string) {
  return new RegExp(pcre.replace(/\(\?P</g, '(?<'), flags);
}

function selectLocation(locations: Directive[], uri: string): Directive | undefined {
  for (const l of locations) if (l.args.length === 2 && l.args[0] === '=' && l.args[1] === uri) return l;
  let longest: Directive | undefined;
  for (const l of locations) {
    const [modifier, pattern] = l.args.length === 2 ? l.args : ['', l.args[0]];
    if ((modifier === '' || modifier === '^~') && uri.startsWith(pattern)) {
      if (!longest || pattern.length > prefixOf(longest).length) longest = l;
    }
  }
  if (longest && longest.args[0] === '^~') return longest;
  for (const l of locations) {
    if (l.args[0] === '~' && toRegExp(l.args[1], '').test(uri)) return l;
    if (l.args[0] === '~*' && toRegExp(l.args[1], 'i').test(uri)) return l;
  }
  return longest;
}

const prefixOf = (l: Directive) => (l.args.length === 2 ? l.args[1] : l.args[0]);

/** replaces $name / ${name} */
function interpolate(value: string, lookup: (name: string) => string): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_all, braced: string | undefined, bare: string | undefined) => lookup((braced ?? bare)!));
}

function captureValue(m: RegExpExecArray, name: string): string {
  if (/^\d$/.test(name)) return m[Number(name)] ?? '';
  if (m.groups && name in m.groups) return m.groups[name] ?? '';
  throw new Error(`map value uses $${name}, which is not a capture`);
}

export function parseSize(value: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(value);
  if (!m) throw new Error(`not an nginx size: ${value}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}
