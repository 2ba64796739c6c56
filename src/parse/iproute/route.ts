/** `ip -j route show table all` and the plain `ip route` text form → Route[]. */
import type { IpFamily, NextHop, Route, RouteType } from '../../model/node.js';
import { ParseError, type ParseWarning } from '../error.js';
import { JsonReader, type JsonObject } from '../json-reader.js';
import { assignDefined, type Parsed, type SourceOpts } from '../parsed.js';
import { looksLikeJson, parseJsonText, splitLines, tokenize, toInt } from '../text.js';
import { familyOf, isAddress, normalizePrefix, tableId } from './common.js';

export interface RouteOpts extends SourceOpts {
  /** Family when nothing in a route tells it (a `default dev X` route); `ip -6 route` dumps pass 6. */
  family?: IpFamily;
  /** Table the dump was taken from when routes do not print one (`ip route show table 2`); default main (254). */
  table?: number;
}

const ROUTE_TYPES: ReadonlySet<string> = new Set(['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat']);

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseIpRoute(text: string, opts: RouteOpts): Parsed<Route[]> {
  return looksLikeJson(text) ? parseRouteJson(text, opts) : parseRouteText(text, opts);
}

// ---------------------------------------------------------------- JSON

const JSON_KEYS = new Set(['type', 'dst', 'gateway', 'via', 'dev', 'table', 'protocol', 'scope', 'prefsrc', 'metric', 'flags', 'metrics', 'nexthops', 'pref', 'tos', 'dsfield', 'expires', 'cache', 'error', 'uid', 'iif', 'oif']);
/** Route attributes that change where a packet goes but are not modelled: a warning each. */
const UNMODELLED: Record<string, string> = {
  from: 'source-specific route (from PREFIX): the source selector is not evaluated',
  src: 'source-specific route (from PREFIX): the source selector is not evaluated',
  nhid: 'route uses a nexthop object (nhid); `ip nexthop` is not collected, only the printed gateway/dev are used',
  encap: 'lightweight tunnel encapsulation (encap) is not modelled',
  realms: 'route realms are not evaluated',
};

function parseRouteJson(text: string, opts: RouteOpts): Parsed<Route[]> {
  const r = new JsonReader(opts.source);
  const doc = r.array(parseJsonText(text, opts.source), '$');
  const warnings: ParseWarning[] = [];
  const unknown = new Set<string>();
  const routes = doc.map((item, i) => {
    const path = `$[${i}]`;
    const o = r.object(item, path);
    for (const k of Object.keys(o)) {
      const why = UNMODELLED[k];
      if (why) warnings.push({ code: 'unsupported', message: `${String(o.dst)}: ${why}`, path: `${path}.${k}` });
      else if (!JSON_KEYS.has(k) && !unknown.has(k)) {
        unknown.add(k);
        warnings.push({ code: 'unknown-field', message: `route field "${k}" is not interpreted`, path: `${path}.${k}` });
      }
    }
    return routeFromJson(r, o, path, opts, warnings);
  });
  return { value: routes, warnings };
}

function routeFromJson(r: JsonReader, o: JsonObject, path: string, opts: RouteOpts, warnings: ParseWarning[]): Route {
  const typeText = r.optStr(o, 'type', path) ?? 'unicast';
  if (!ROUTE_TYPES.has(typeText)) r.fail(`${path}.type`, `unknown route type "${typeText}"`);
  const dstText = r.str(o, 'dst', path);
  const gateway = r.optStr(o, 'gateway', path) ?? viaHost(r, o, path);
  const prefsrc = r.optStr(o, 'prefsrc', path);
  const nexthops = jsonNexthops(r, o, path);
  const family = routeFamily(dstText, [gateway, prefsrc, ...(nexthops ?? []).map((n) => n.gateway)], o.pref !== undefined, opts.family);
  const dst = normalizePrefix(dstText, family);
  if (dst === undefined) r.fail(`${path}.dst`, `"${dstText}" is not an address or prefix`);
  const route: Route = { family, table: opts.table ?? 254, type: typeText as RouteType, dst, flags: r.strings(o, 'flags', path) };
  const table = r.optNumLike(o, 'table', path);
  if (table !== undefined) setTable(route, table, warnings, { path: `${path}.table` });
  assignDefined(route, {
    gateway,
    dev: r.optStr(o, 'dev', path),
    protocol: numOrStr(r.optNumLike(o, 'protocol', path)),
    scope: numOrStr(r.optNumLike(o, 'scope', path)),
    prefsrc,
    metric: r.optNum(o, 'metric', path),
    pref: r.optStr(o, 'pref', path),
    tos: typeof o.tos === 'number' ? o.tos : undefined,
    nexthops,
  });
  if (o.metrics !== undefined) applyJsonMetrics(route, r, o.metrics, `${path}.metrics`);
  return route;
}

function viaHost(r: JsonReader, o: JsonObject, path: string): string | undefined {
  if (o.via === undefined) return undefined;
  return r.str(r.object(o.via, `${path}.via`), 'host', `${path}.via`);
}

function jsonNexthops(r: JsonReader, o: JsonObject, path: string): NextHop[] | undefined {
  if (o.nexthops === undefined) return undefined;
  return r.array(o.nexthops, `${path}.nexthops`).map((nh, j) => {
    const p = `${path}.nexthops[${j}]`;
    const n = r.object(nh, p);
    const hop: NextHop = { flags: r.strings(n, 'flags', p) };
    assignDefined(hop, { gateway: r.optStr(n, 'gateway', p) ?? viaHost(r, n, p), dev: r.optStr(n, 'dev', p), weight: r.optNum(n, 'weight', p) });
    return hop;
  });
}

/** iproute2 prints metrics as `[{"mtu":1400}]`, or `{"mtu":1400}`, or with `lock` as `{"mtu":["lock",1300]}` in some versions. */
function applyJsonMetrics(route: Route, r: JsonReader, metrics: unknown, path: string): void {
  const entries: [string, unknown][] = [];
  if (Array.isArray(metrics)) metrics.forEach((m, i) => entries.push(...Object.entries(r.object(m, `${path}[${i}]`))));
  else entries.push(...Object.entries(r.object(metrics, path)));
  for (const [k, v] of entries) {
    let value = v;
    if (Array.isArray(v) && v[0] === 'lock') {
      value = v[1];
      if (k === 'mtu') route.mtuLock = true;
    }
    if (typeof value !== 'number') {
      if (typeof value === 'string' && k === 'congctl') continue;
      r.fail(`${path}.${k}`, 'expected a numeric metric');
    }
    if (k === 'mtu') route.mtu = value;
    else (route.metrics ??= {})[k] = value;
  }
}

// ---------------------------------------------------------------- text

/** Keywords followed by one value. */
const VALUE_KEYS = new Set(['dev', 'table', 'proto', 'scope', 'src', 'metric', 'preference', 'pref', 'tos', 'dsfield', 'expires', 'realm', 'realms', 'nhid', 'advmss', 'hoplimit', 'initcwnd', 'initrwnd', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'rto_min', 'features', 'quickack', 'fastopen_no_cookie', 'congctl', 'weight', 'from', 'iif', 'oif', 'uid', 'error', 'users', 'age', 'used']);
const FLAG_WORDS = new Set(['onlink', 'pervasive', 'linkdown', 'offload', 'trap', 'notify', 'dead', 'rt_offload', 'rt_trap', 'unresolved', 'cache', 'rt_offload_failed']);
const METRIC_KEYS = new Set(['advmss', 'hoplimit', 'initcwnd', 'initrwnd', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'rto_min', 'quickack', 'fastopen_no_cookie']);

function parseRouteText(text: string, opts: RouteOpts): Parsed<Route[]> {
  const warnings: ParseWarning[] = [];
  const routes: Route[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const toks = tokenize(raw);
    if (/^\s/.test(raw) && toks[0]?.text === 'nexthop') {
      const last = routes[routes.length - 1];
      if (!last) throw new ParseError(opts.source, 'nexthop line without a route before it', line, toks[0].column);
      (last.nexthops ??= []).push(textNexthop(toks.slice(1), opts.source, line, warnings));
      return;
    }
    if (/^\s/.test(raw) && (toks[0]?.text === 'cache' || toks[0]?.text === 'error')) return;
    routes.push(textRoute(toks, opts, line, warnings));
  });
  for (const r of routes) if (r.nexthops && r.gateway === undefined) fixFamilyFromNexthops(r, opts);
  return { value: routes, warnings };
}

function textRoute(toks: { text: string; column: number }[], opts: RouteOpts, line: number, warnings: ParseWarning[]): Route {
  let k = 0;
  let type: RouteType = 'unicast';
  if (toks[0] && ROUTE_TYPES.has(toks[0].text)) {
    type = toks[0].text as RouteType;
    k = 1;
  }
  const dstTok = toks[k];
  if (!dstTok) throw new ParseError(opts.source, 'route without a destination', line, toks[0]?.column ?? 1);
  k++;
  const route: Route = { family: 4, table: opts.table ?? 254, type, dst: dstTok.text, flags: [] };
  let isV6Hint = false;
  while (k < toks.length) {
    const t = toks[k]!;
    const next = toks[k + 1];
    if (t.text === 'via') {
      let v = next;
      if (v && (v.text === 'inet' || v.text === 'inet6')) v = toks[++k + 1];
      if (!v || !isAddress(v.text)) throw new ParseError(opts.source, `"via" needs an address`, line, (v ?? t).column);
      route.gateway = v.text;
      k += 2;
      continue;
    }
    if (t.text === 'mtu') {
      let v = next;
      if (v?.text === 'lock') {
        route.mtuLock = true;
        v = toks[++k + 1];
      }
      const n = toInt(v?.text);
      if (n === undefined) throw new ParseError(opts.source, '"mtu" needs a number', line, (v ?? t).column);
      route.mtu = n;
      k += 2;
      continue;
    }
    if (FLAG_WORDS.has(t.text)) {
      route.flags.push(t.text);
      k++;
      continue;
    }
    if (t.text === 'nexthop') {
      // One-line multipath form (`ip -o route`): every following `nexthop ...` group on the same line.
      const rest = toks.slice(k);
      const starts = rest.flatMap((x, j) => (x.text === 'nexthop' ? [j] : []));
      route.nexthops = starts.map((s, j) => textNexthop(rest.slice(s + 1, starts[j + 1] ?? rest.length), opts.source, line, warnings));
      break;
    }
    if (VALUE_KEYS.has(t.text)) {
      if (!next) throw new ParseError(opts.source, `"${t.text}" needs a value`, line, t.column);
      if (t.text === 'pref' || t.text === 'preference') isV6Hint = true;
      // In text `src` is the preferred source (JSON: prefsrc); the source selector prints as `from`.
      const why = t.text === 'src' ? undefined : UNMODELLED[t.text === 'realm' ? 'realms' : t.text];
      if (why) warnings.push({ code: 'unsupported', message: `${route.dst}: ${why}`, line });
      applyTextKey(route, t.text, next, opts.source, line, warnings);
      k += 2;
      continue;
    }
    warnings.push({ code: 'unknown-keyword', message: `route keyword "${t.text}" is not interpreted`, line });
    k++;
  }
  route.family = routeFamily(route.dst, [route.gateway, route.prefsrc], isV6Hint, opts.family);
  const dst = normalizePrefix(route.dst, route.family);
  if (dst === undefined) throw new ParseError(opts.source, `"${route.dst}" is not an address or prefix`, line, dstTok.column);
  route.dst = dst;
  return route;
}

function applyTextKey(route: Route, key: string, v: { text: string; column: number }, source: string, line: number, warnings: ParseWarning[]): void {
  const num = (): number => {
    const n = toInt(v.text);
    if (n === undefined) throw new ParseError(source, `"${key}" needs a number`, line, v.column);
    return n;
  };
  switch (key) {
    case 'dev': route.dev = v.text; break;
    case 'table': setTable(route, v.text, warnings, { line }); break;
    case 'proto': route.protocol = v.text; break;
    case 'scope': route.scope = v.text; break;
    case 'src':
      if (!isAddress(v.text)) throw new ParseError(source, '"src" needs an address', line, v.column);
      route.prefsrc = v.text;
      break;
    case 'metric': route.metric = num(); break;
    case 'pref': case 'preference': route.pref = v.text; break;
    case 'tos': case 'dsfield': route.tos = Number.parseInt(v.text, 16) || 0; break;
    default:
      if (METRIC_KEYS.has(key)) (route.metrics ??= {})[key] = num();
  }
}

function textNexthop(toks: { text: string; column: number }[], source: string, line: number, warnings: ParseWarning[]): NextHop {
  const hop: NextHop = { flags: [] };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    const next = toks[k + 1];
    if (t.text === 'via') {
      let v = next;
      if (v && (v.text === 'inet' || v.text === 'inet6')) v = toks[++k + 1];
      if (!v || !isAddress(v.text)) throw new ParseError(source, '"via" needs an address', line, (v ?? t).column);
      hop.gateway = v.text;
      k++;
    } else if (t.text === 'dev' && next) {
      hop.dev = next.text;
      k++;
    } else if (t.text === 'weight') {
      const n = toInt(next?.text);
      if (n === undefined) throw new ParseError(source, '"weight" needs a number', line, (next ?? t).column);
      hop.weight = n;
      k++;
    } else if (FLAG_WORDS.has(t.text)) hop.flags.push(t.text);
    else warnings.push({ code: 'unknown-keyword', message: `nexthop keyword "${t.text}" is not interpreted`, line });
  }
  return hop;
}

function fixFamilyFromNexthops(route: Route, opts: RouteOpts): void {
  const gw = route.nexthops?.find((n) => n.gateway)?.gateway;
  if (!gw || route.dst.includes(':') || familyOf(gw) === route.family) return;
  // Only `default` can be re-homed: an explicit prefix already fixed the family.
  if (route.dst === '0.0.0.0/0' && opts.family === undefined) route.dst = '::/0';
  route.family = familyOf(gw);
}

// ---------------------------------------------------------------- shared

/** Family from the destination, then any address in the route, then IPv6-only fields, then the dump's family. */
function routeFamily(dst: string, addrs: (string | undefined)[], v6Only: boolean, fallback: IpFamily | undefined): IpFamily {
  if (dst !== 'default' && isAddress(dst.split('/')[0] ?? '')) return familyOf(dst);
  const a = addrs.find((x): x is string => x !== undefined && isAddress(x));
  if (a) return familyOf(a);
  if (v6Only) return 6;
  return fallback ?? 4;
}

function setTable(route: Route, t: string | number, warnings: ParseWarning[], where: { line?: number; path?: string }): void {
  const id = tableId(t);
  if (id !== undefined) route.table = id;
  else {
    route.table = -1;
    route.tableName = String(t);
    warnings.push({ code: 'unknown-table', message: `route table "${String(t)}" is a name from rt_tables whose number is not in the dump`, ...where });
  }
}

const numOrStr = (v: number | string | undefined): string | undefined => (v === undefined ? undefined : String(v));
