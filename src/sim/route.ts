/**
 * Routing decisions as fib_lookup makes them: policy rules in priority order (`ip rule`), then the
 * longest matching prefix of the chosen table, route types, metric tie-break, ECMP next hops.
 */
import type { NodeModel, Route, RoutingRule, NextHop } from '../model/node.js';
import { inPrefix, ipv4Int, isPrefix, prefixLen } from '../util/addr.js';
import { PROTO_NUMBERS } from './packet.js';
import { gapFor, type StateGap } from '../model/gaps.js';

/** What the lookup sees of the packet (flowi4). */
export interface FlowKey {
  family: 4 | 6;
  saddr?: string;
  daddr: string;
  /** Input interface; `lo` for locally generated packets, as the kernel's rule matching sees them. */
  iif?: string;
  oif?: string;
  mark: number;
  proto?: string;
  sport?: number;
  dport?: number;
}

export interface ResolvedHop {
  gateway?: string;
  dev?: string;
  weight: number;
  onlink: boolean;
}

export type RouteResult =
  | { kind: 'local'; route: Route; table: number; rule?: RoutingRule }
  | { kind: 'broadcast'; route: Route; table: number; rule?: RoutingRule }
  | { kind: 'unicast'; route: Route; table: number; hops: ResolvedHop[]; rule?: RoutingRule }
  | { kind: 'blackhole' | 'unreachable' | 'prohibit'; route?: Route; table?: number; rule?: RoutingRule }
  | { kind: 'none'; tried: number[] }
  /** The node's routes or rules were not read (model/gaps.ts): no lookup can be trusted. */
  | { kind: 'unknown'; gap: StateGap };

/** The kernel's default policy when `ip rule` shows nothing (or was not collected). */
const DEFAULT_RULES = (family: 4 | 6): RoutingRule[] => [
  { family, priority: 0, not: false, action: 'table', table: 255 },
  { family, priority: 32766, not: false, action: 'table', table: 254 },
  { family, priority: 32767, not: false, action: 'table', table: 253 },
];

function routingRules(node: NodeModel, family: 4 | 6): RoutingRule[] {
  const rules = node.rules.filter((r) => r.family === family);
  const list = rules.length > 0 ? rules : DEFAULT_RULES(family);
  return [...list].sort((a, b) => a.priority - b.priority);
}

/** Full policy-routing lookup. */
export function lookupRoute(node: NodeModel, flow: FlowKey): RouteResult {
  const gap = gapFor(node.gaps, 'routes', flow.family) ?? gapFor(node.gaps, 'rules', flow.family);
  if (gap) return { kind: 'unknown', gap };
  const rules = routingRules(node, flow.family);
  const tried: number[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (ruleMatches(rule, flow) === rule.not) continue;
    switch (rule.action) {
      case 'blackhole':
      case 'unreachable':
      case 'prohibit':
        return { kind: rule.action, rule };
      case 'nop':
        continue;
      case 'goto': {
        // The kernel jumps to the first rule listed at exactly that priority (fib_rules' ctarget); with none there the
        // goto is unresolved (`ip rule` says so) and the lookup goes on with the next rule. A goto only points forward.
        const j = rule.goto === undefined ? -1 : rules.findIndex((r) => r.priority === rule.goto);
        if (j > i) i = j - 1;
        continue;
      }
      case 'table': {
        const table = rule.table ?? 254;
        tried.push(table);
        const r = lookupTable(node, flow, table);
        if (!r) continue;
        if (r.route?.type === 'throw') continue;
        // suppress_prefixlength N rejects a found route whose prefix is N or shorter (fib4_rule_suppress); the kernel
        // asks only when the lookup succeeded, so an unreachable, blackhole or prohibit route ends it whatever its prefix.
        if (rule.suppressPrefixlen !== undefined && !isError(r) && prefixLen(r.route.dst) <= rule.suppressPrefixlen) continue;
        return { ...r, rule };
      }
    }
  }
  return { kind: 'none', tried };
}

/** A lookup the kernel answers with an error (fib_table_lookup's -EINVAL, -EHOSTUNREACH, -EACCES). */
function isError(r: RouteResult): r is Extract<RouteResult, { kind: 'blackhole' | 'unreachable' | 'prohibit' }> {
  return r.kind === 'blackhole' || r.kind === 'unreachable' || r.kind === 'prohibit';
}

function ruleMatches(rule: RoutingRule, f: FlowKey): boolean {
  if (rule.src && rule.src !== 'all' && !(f.saddr && inPrefix(f.saddr, rule.src))) return false;
  if (rule.dst && rule.dst !== 'all' && !inPrefix(f.daddr, rule.dst)) return false;
  if (rule.iif && rule.iif !== (f.iif ?? 'lo')) return false;
  if (rule.oif && rule.oif !== f.oif) return false;
  if (rule.fwmark !== undefined) {
    const mask = rule.fwmask ?? 0xffffffff;
    if (((f.mark & mask) >>> 0) !== ((rule.fwmark & mask) >>> 0)) return false;
  }
  if (rule.ipproto !== undefined) {
    const want = typeof rule.ipproto === 'number' ? rule.ipproto : PROTO_NUMBERS[rule.ipproto];
    if (f.proto === undefined || PROTO_NUMBERS[f.proto] !== want) return false;
  }
  if (rule.sport && !(f.sport !== undefined && f.sport >= rule.sport[0] && f.sport <= rule.sport[1])) return false;
  if (rule.dport && !(f.dport !== undefined && f.dport >= rule.dport[0] && f.dport <= rule.dport[1])) return false;
  // A traced packet carries TOS 0 (nothing in a trace sets a DSCP) and uid 0: a forwarded packet has no socket, so the
  // kernel looks it up as uid 0 (sock_net_uid), and a locally sent one is taken as root's.
  if (rule.tos) return false;
  if (rule.uidrange && rule.uidrange[0] > 0) return false;
  // An l3mdev rule selects flows through a VRF device; netx does not model VRFs (the rule parsers warn).
  if (rule.l3mdev) return false;
  return true;
}

interface Candidate {
  route: Route;
  dst: string;
  len: number;
  /** IPv4: the network and mask as numbers (a lookup then costs two operations per route). */
  v4?: { net: number; mask: number };
}

// A trace with thousands of paths looks up routes thousands of times on nodes with a route per other node: each
// table's candidates are prepared once per route list, longest prefix first, lowest metric first, dump order kept.
const candidates = new WeakMap<Route[], Map<number, Candidate[]>>();

function candidatesOf(node: NodeModel, table: number, family: 4 | 6): Candidate[] {
  let byTable = candidates.get(node.routes);
  if (!byTable) candidates.set(node.routes, (byTable = new Map()));
  // Table ids are 32-bit: the sign carries the family.
  const key = family === 4 ? table : -table - 1;
  let list = byTable.get(key);
  if (list) return list;
  list = [];
  for (const r of node.routes) {
    if (r.table !== table || r.family !== family) continue;
    if (r.type === 'multicast' || r.type === 'anycast' || r.type === 'nat') continue;
    // A route with a TOS takes only packets of that TOS, and a traced packet has TOS 0 (see ruleMatches).
    if (r.tos) continue;
    if (isDead(r.flags) || (r.nexthops && r.nexthops.length > 0 && r.nexthops.every((h) => isDead(h.flags)))) continue;
    const dst = r.dst === 'default' ? (family === 4 ? '0.0.0.0/0' : '::/0') : r.dst;
    if (!isPrefix(dst)) continue;
    const len = prefixLen(dst);
    const net = family === 4 ? ipv4Int(dst.split('/')[0]!) : undefined;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    list.push(net === undefined ? { route: r, dst, len } : { route: r, dst, len, v4: { net: (net & mask) >>> 0, mask } });
  }
  list.sort((a, b) => b.len - a.len || (a.route.metric ?? 0) - (b.route.metric ?? 0));
  byTable.set(key, list);
  return list;
}

/** Longest-prefix match in one table; ties go to the lowest metric (fib alias order). */
export function lookupTable(node: NodeModel, flow: FlowKey, table: number): Exclude<RouteResult, { kind: 'none' | 'unknown' }> | undefined {
  let best: Route | undefined;
  const d4 = flow.family === 4 ? ipv4Int(flow.daddr) : undefined;
  for (const c of candidatesOf(node, table, flow.family)) {
    if (c.v4 && d4 !== undefined ? ((d4 & c.v4.mask) >>> 0) !== c.v4.net : !inPrefix(flow.daddr, c.dst)) continue;
    if (flow.oif && c.route.dev && c.route.dev !== flow.oif && !c.route.nexthops) continue;
    best = c.route;
    break;
  }
  if (!best) return undefined;
  switch (best.type) {
    case 'local':
      return { kind: 'local', route: best, table };
    case 'broadcast':
      return { kind: 'broadcast', route: best, table };
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
      return { kind: best.type, route: best, table };
    case 'throw':
      return { kind: 'unreachable', route: best, table };
    default:
      return { kind: 'unicast', route: best, table, hops: resolveHops(node, best) };
  }
}

function resolveHops(node: NodeModel, r: Route): ResolvedHop[] {
  const raw: NextHop[] = r.nexthops && r.nexthops.length > 0 ? r.nexthops : [{ gateway: r.gateway, dev: r.dev, flags: r.flags }];
  return raw.filter((h) => !isDead(h.flags)).map((h) => {
    const dev = h.dev ?? (h.gateway ? devForGateway(node, h.gateway, r.table) : undefined);
    const hop: ResolvedHop = { weight: h.weight ?? 1, onlink: h.flags.includes('onlink') || r.flags.includes('onlink') };
    if (h.gateway) hop.gateway = h.gateway;
    if (dev) hop.dev = dev;
    return hop;
  });
}

/**
 * A next hop whose device went down: the kernel passes over it (fib_select_multipath), and a route keeps it only while
 * another of its next hops lives (a route whose every next hop died is flushed; if a dump shows one, it is passed over).
 */
const isDead = (flags: string[]): boolean => flags.includes('dead');

/** A gateway without `dev`: the kernel resolves it through a connected route. */
function devForGateway(node: NodeModel, gw: string, table: number): string | undefined {
  const family = gw.includes(':') ? 6 : 4;
  const r = lookupTable(node, { family, daddr: gw, mark: 0 }, table) ?? lookupTable(node, { family, daddr: gw, mark: 0 }, 254);
  return r && 'route' in r && r.route ? r.route.dev : undefined;
}

/** `table 254 (main)` for messages. */
export function tableName(id: number): string {
  return id === 254 ? 'main' : id === 255 ? 'local' : id === 253 ? 'default' : String(id);
}

/** `10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink` — the route as `ip route` prints it. */
export function describeRoute(r: Route): string {
  const parts = [r.type !== 'unicast' ? `${r.type} ${r.dst}` : r.dst];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.table !== 254) parts.push(`table ${tableName(r.table)}`);
  if (r.protocol) parts.push(`proto ${r.protocol}`);
  if (r.scope && r.scope !== 'global' && r.scope !== 'universe') parts.push(`scope ${r.scope}`);
  if (r.prefsrc) parts.push(`src ${r.prefsrc}`);
  if (r.metric !== undefined) parts.push(`metric ${r.metric}`);
  if (r.nexthops) for (const h of r.nexthops) parts.push(`nexthop${h.gateway ? ` via ${h.gateway}` : ''}${h.dev ? ` dev ${h.dev}` : ''} weight ${h.weight ?? 1}`);
  parts.push(...r.flags);
  return parts.join(' ');
}
