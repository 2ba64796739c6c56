/** `ip -j route show table all` (and `ip -6 -j route ...`) → Route[]. */
import type { NextHop, Route, RouteType } from '../../model/node.js';
import type { ParseWarning } from '../../util/parse-error.js';
import { JsonReader, type JsonObject } from '../json-reader.js';
import { assignDefined, type Parsed } from '../parsed.js';
import { parseJsonText } from '../text.js';
import { dsfield, normalizePrefix } from './common.js';
import { numOrStr, ROUTE_TYPES, routeFamily, setTable, UNMODELLED, type RouteOpts } from './route-common.js';
import { show } from '../show.js';

const JSON_KEYS = new Set(['type', 'dst', 'gateway', 'via', 'dev', 'table', 'protocol', 'scope', 'prefsrc', 'metric', 'flags', 'metrics', 'nexthops', 'pref', 'tos', 'dsfield', 'expires', 'cache', 'error', 'uid', 'iif', 'oif']);


export function parseRouteJson(text: string, opts: RouteOpts): Parsed<Route[]> {
  const r = new JsonReader(opts.source);
  const doc = r.array(parseJsonText(text, opts.source), '$');
  const warnings: ParseWarning[] = [];
  const unknown = new Set<string>();
  const routes = doc.map((item, i) => {
    const path = `$[${i}]`;
    const o = r.object(item, path);
    for (const k of Object.keys(o)) {
      const why = UNMODELLED[k];
      if (why) warnings.push({ code: 'unsupported', message: `${show(o.dst)}: ${why}`, path: `${path}.${k}` });
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
  const tos = r.optNumLike(o, 'tos', path) ?? r.optNumLike(o, 'dsfield', path);
  assignDefined(route, {
    gateway,
    dev: r.optStr(o, 'dev', path),
    protocol: numOrStr(r.optNumLike(o, 'protocol', path)),
    scope: numOrStr(r.optNumLike(o, 'scope', path)),
    prefsrc,
    metric: r.optNum(o, 'metric', path),
    pref: r.optStr(o, 'pref', path),
    tos: tos === undefined ? undefined : dsfield(tos),
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
      // The congestion control algorithm (`congctl` in the text form) is a name, and nothing netx models.
      if (typeof value === 'string' && k === 'congestion') continue;
      r.fail(`${path}.${k}`, 'expected a numeric metric');
    }
    if (k === 'mtu') route.mtu = value;
    else (route.metrics ??= {})[k] = value;
  }
}

