/** The plain `ip route [show table X]` text form (what users paste) → Route[]. */
import type { NextHop, Route, RouteType } from '../../model/node.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import type { Parsed } from '../parsed.js';
import { splitLines, tokenize, toInt } from '../text.js';
import { dsfield, normalizePrefix } from './common.js';
import { familyOf, isIp } from '../../util/addr.js';
import { ROUTE_TYPES, routeFamily, setTable, UNMODELLED, type RouteOpts } from './route-common.js';

const VALUE_KEYS = new Set(['dev', 'table', 'proto', 'scope', 'src', 'metric', 'preference', 'pref', 'tos', 'dsfield', 'expires', 'realm', 'realms', 'nhid', 'advmss', 'hoplimit', 'initcwnd', 'initrwnd', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'rto_min', 'features', 'quickack', 'fastopen_no_cookie', 'congctl', 'weight', 'from', 'iif', 'oif', 'uid', 'error', 'users', 'age', 'used']);
const FLAG_WORDS = new Set(['onlink', 'pervasive', 'linkdown', 'offload', 'trap', 'notify', 'dead', 'rt_offload', 'rt_trap', 'unresolved', 'cache', 'rt_offload_failed']);
const METRIC_KEYS = new Set(['advmss', 'hoplimit', 'initcwnd', 'initrwnd', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'rto_min', 'quickack', 'fastopen_no_cookie']);

export function parseRouteText(text: string, opts: RouteOpts): Parsed<Route[]> {
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
      if (!v || !isIp(v.text)) throw new ParseError(opts.source, `"via" needs an address`, line, (v ?? t).column);
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
      if (!isIp(v.text)) throw new ParseError(source, '"src" needs an address', line, v.column);
      route.prefsrc = v.text;
      break;
    case 'metric': route.metric = num(); break;
    case 'pref': case 'preference': route.pref = v.text; break;
    case 'tos': case 'dsfield': route.tos = dsfield(v.text); break;
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
      if (!v || !isIp(v.text)) throw new ParseError(source, '"via" needs an address', line, (v ?? t).column);
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

