/** Shared by the JSON and text forms of `ip route`: options, route types, family and table rules. */
import type { IpFamily, Route } from '../../model/node.js';
import type { ParseWarning } from '../../util/parse-error.js';
import type { SourceOpts } from '../parsed.js';
import { tableId } from './common.js';
import { familyOf, isIp } from '../../util/addr.js';

export interface RouteOpts extends SourceOpts {
  /** Family when nothing in a route tells it (a `default dev X` route); `ip -6 route` dumps pass 6. */
  family?: IpFamily;
  /** Table the dump was taken from when routes do not print one (`ip route show table 2`); default main (254). */
  table?: number;
}

export const ROUTE_TYPES: ReadonlySet<string> = new Set(['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat']);

/** Route attributes that change where a packet goes but are not modelled: a warning each. */
export const UNMODELLED: Record<string, string> = {
  from: 'source-specific route (from PREFIX): the source selector is not evaluated',
  src: 'source-specific route (from PREFIX): the source selector is not evaluated',
  nhid: 'route uses a nexthop object (nhid); `ip nexthop` is not collected, only the printed gateway/dev are used',
  encap: 'lightweight tunnel encapsulation (encap) is not modelled',
  realms: 'route realms are not evaluated',
  /** `ip -j route` prints a route's realms as `"flow": {"from", "to"}`. */
  flow: 'route realms are not evaluated',
};

/** Family from the destination, then any address in the route, then IPv6-only fields, then the dump's family. */
export function routeFamily(dst: string, addrs: (string | undefined)[], v6Only: boolean, fallback: IpFamily | undefined): IpFamily {
  if (dst !== 'default' && isIp(dst.split('/')[0] ?? '')) return familyOf(dst);
  const a = addrs.find((x): x is string => x !== undefined && isIp(x));
  if (a) return familyOf(a);
  if (v6Only) return 6;
  return fallback ?? 4;
}

/** Sets the numeric table, or keeps an unknown rt_tables name with a warning. */
export function setTable(route: Route, t: string | number, warnings: ParseWarning[], where: { line?: number; path?: string }): void {
  const id = tableId(t);
  if (id !== undefined) route.table = id;
  else {
    route.table = -1;
    route.tableName = String(t);
    warnings.push({ code: 'unknown-table', message: `route table "${String(t)}" is a name from rt_tables whose number is not in the dump`, ...where });
  }
}

export const numOrStr = (v: number | string | undefined): string | undefined => (v === undefined ? undefined : String(v));
