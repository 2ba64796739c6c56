/**
 * The vendor-independent model of one node's dataplane, built from its dumps by parse/.
 * Every field says where it came from through the parser that fills it; nothing here is guessed.
 */
import type { NetfilterDump, Ruleset } from './netfilter.js';
import type { ConntrackEntry } from './conntrack.js';
import type { IpvsService } from './ipvs.js';
import type { ParseWarning } from '../util/parse-error.js';
import type { CniSelection } from './cni.js';
import type { DumpFailure, StateGap } from './gaps.js';

export type IpFamily = 4 | 6;

type LinkKind =
  | 'loopback'
  | 'device' // physical or unknown kind
  | 'veth'
  | 'bridge'
  | 'vxlan'
  | 'dummy'
  | 'ipip'
  | 'gre'
  | 'geneve'
  | 'wireguard'
  | 'vlan'
  | 'macvlan'
  | 'ipvlan'
  | 'tun'
  | (string & {});

export interface Link {
  index: number;
  name: string;
  kind: LinkKind;
  mtu: number;
  /** operstate: UP, DOWN, UNKNOWN, LOWERLAYERDOWN */
  state: string;
  /** IFF_* flags as printed (UP, LOWER_UP, NOARP, ...) */
  flags: string[];
  mac?: string;
  /** Bridge (or bond) this link is enslaved to. */
  master?: string;
  /** `link` / `link_index`: the peer of a veth or the lower device. */
  peer?: { index?: number; name?: string; netnsId?: number };
  vxlan?: VxlanInfo;
  /** IP-in-IP tunnel (`ipip`: Calico's tunl0) details from `ip -d`. */
  ipip?: IpTunnelInfo;
  /** Bridge port / bridge options that matter for forwarding. */
  bridge?: { vlanFiltering?: boolean; stp?: boolean; nfCallIptables?: boolean; nfCallIp6tables?: boolean };
  /** Options of this link as a port of its master bridge (`ip -d`: bridge_slave / info_slave_data). */
  bridgePort?: { state?: string; learning?: boolean; hairpin?: boolean; proxyArp?: boolean; neighSuppress?: boolean };
}

export interface VxlanInfo {
  id: number;
  port: number;
  local?: string;
  /** Remote for point-to-point VXLAN. */
  remote?: string;
  /** Multicast group. */
  group?: string;
  /** Underlay device. */
  dev?: string;
  learning: boolean;
}

/** `ip -d link` of an ipip device; `any` (unset) local/remote are left out: such a device takes any peer (tunl0). */
export interface IpTunnelInfo {
  local?: string;
  remote?: string;
  /** Lower device the tunnel is bound to. */
  dev?: string;
}

export interface Address {
  ifname: string;
  ifindex: number;
  family: IpFamily;
  local: string;
  prefixlen: number;
  scope: string;
  broadcast?: string;
  /** For point-to-point addresses. */
  peer?: string;
  /** Interface label (`eth0:1`) when it differs from ifname. */
  label?: string;
  /** dynamic, noprefixroute, tentative, secondary, nodad, ... */
  flags?: string[];
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';

export interface NextHop {
  gateway?: string;
  dev?: string;
  weight?: number;
  flags: string[];
}

export interface Route {
  family: IpFamily;
  /** Numeric table id: local=255, main=254, default=253; -1 when only an unknown table name was printed. */
  table: number;
  /** The table name when iproute2 printed a name that is not local/main/default/unspec (from rt_tables). */
  tableName?: string;
  type: RouteType;
  /** Normalised CIDR (`0.0.0.0/0` for default). */
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  mtu?: number;
  /** `mtu lock`: the route MTU is not lowered by PMTU discovery. */
  mtuLock?: boolean;
  /** Other route metrics (advmss, hoplimit, initcwnd, ...). */
  metrics?: Record<string, number>;
  /** onlink, pervasive, linkdown, ... */
  flags: string[];
  /** ECMP next hops. */
  nexthops?: NextHop[];
  /** The TOS a packet must carry to take this (as `ip` prints it: a value, or an rt_dsfield name netx does not know). */
  tos?: number | string;
  /** IPv6 router preference (low, medium, high). */
  pref?: string;
}

export interface RoutingRule {
  family: IpFamily;
  priority: number;
  /** Inverted selector (`not`). */
  not: boolean;
  src?: string; // CIDR
  dst?: string; // CIDR
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  ipproto?: number | string;
  sport?: [number, number];
  dport?: [number, number];
  /** Where a match sends the lookup. */
  action: 'table' | 'blackhole' | 'unreachable' | 'prohibit' | 'goto' | 'nop';
  table?: number;
  /** Unknown table name printed instead of a number (table is then absent). */
  tableName?: string;
  /** For `action: 'goto'`: the priority the lookup continues at (`ip rule … goto N`). */
  goto?: number;
  /** For `suppress_prefixlength`. */
  suppressPrefixlen?: number;
  /** The TOS a packet must carry to take this (as `ip` prints it: a value, or an rt_dsfield name netx does not know). */
  tos?: number | string;
  uidrange?: [number, number];
  l3mdev?: boolean;
  /** Who installed the rule (`proto kernel`, ...). */
  protocol?: string;
}

export interface Neighbour {
  family?: IpFamily;
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
  router?: boolean;
}

export interface FdbEntry {
  mac: string;
  ifname: string;
  master?: string;
  /** Remote VTEP for VXLAN entries. */
  dst?: string;
  vlan?: number;
  vni?: number;
  flags: string[];
  state?: string;
}

export interface NodeModel {
  name: string;
  links: Link[];
  addresses: Address[];
  rules: RoutingRule[];
  routes: Route[];
  neighbours: Neighbour[];
  fdb: FdbEntry[];
  /** `net.ipv4.ip_forward` → "1", ... */
  sysctl: Record<string, string>;
  ruleset: Ruleset;
  conntrack: ConntrackEntry[];
  ipvs: IpvsService[];
  /** Which dumps were present: a missing dump is "unknown", never "empty". */
  have: Record<string, boolean>;
  /** The CNI configuration the runtime uses, when CNI files were collected. */
  cni?: CniSelection;
  /** Which iptables backend each iptables-save dump came from, and how that was decided. */
  iptablesOrigin?: Record<string, { origin: string; evidence: string; certain: boolean }>;
  warnings: ParseWarning[];
  /** State the dumps do not show (gaps.ts): absent when every dump was read. */
  gaps?: StateGap[];
  /** Each netfilter dump as read, before the merge into `ruleset`. */
  netfilterDumps?: NetfilterDump[];
  /** Every dump key the builder asked for and could not read, with why (gaps judge what that hides). */
  failures?: Record<string, DumpFailure>;
  /** kube-proxy's own answer on :10249/proxyMode (the `proxyMode` dump), when it was read. */
  kubeProxyMode?: string;
}

/** Route table ids with names (`ip route` prints these names). */
export const ROUTE_TABLES: Record<string, number> = { unspec: 0, default: 253, main: 254, local: 255 };
