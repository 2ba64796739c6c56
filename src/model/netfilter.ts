/**
 * The unified netfilter model. iptables-save (both backends) and `nft -j list ruleset` parse into
 * the same shape, modelled on nf_tables itself: a rule is an ordered list of expressions evaluated
 * left to right; the first match that fails ends the rule; statements act; a verdict ends it.
 * iptables rules become `[...matches, target]`, exactly as iptables-nft compiles them.
 */
import type { ParseWarning } from '../util/parse-error.js';

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';
export type ChainType = 'filter' | 'nat' | 'route';
/** Who wrote the table: iptables-nft shows up in both dumps, so it is read from iptables-save only. */
export type TableOrigin = 'iptables-nft' | 'iptables-legacy' | 'nft';

/** Standard priorities (include/uapi/linux/netfilter_ipv4.h, NF_IP_PRI_*). */
export const PRIORITY = {
  raw: -300, // NF_IP_PRI_RAW
  mangle: -150, // NF_IP_PRI_MANGLE
  dstnat: -100, // NF_IP_PRI_NAT_DST
  filter: 0, // NF_IP_PRI_FILTER
  security: 50, // NF_IP_PRI_SECURITY
  srcnat: 100, // NF_IP_PRI_NAT_SRC
  /** Bridge family uses its own: NF_BR_PRI_* */
  bridgeDstnat: -300,
  bridgeFilter: -200,
  bridgeOut: 100,
  bridgeSrcnat: 300,
} as const;

export interface Ruleset {
  tables: Table[];
  /** Parts of a dump a parser had to skip (a bad line costs its table): the model marks them unread. */
  lost?: LostPart[];
  /** Sets from `ipset save` used by `-m set --match-set` (iptables). */
  ipsets?: IpSet[];
  warnings: ParseWarning[];
}

/**
 * One netfilter dump as the node-model builder read it, before the merge: which backend wrote an iptables-save dump
 * (decided once, in parse/node) and the tables it held. The merged `Ruleset` is what the kernel evaluates; this is
 * what each dump showed, for analyses that ask which backend holds what (proxy-mode, kubelet's canary chains).
 */
export interface NetfilterDump {
  /** The dump key (`iptables-nft`, `iptables`, `ip6tables`, `nft` …). */
  dump: string;
  /** iptables-save dumps only. */
  save?: {
    family: 'ip' | 'ip6';
    origin: Extract<TableOrigin, 'iptables-nft' | 'iptables-legacy'>;
    /** False when nothing in the dump or its command names the backend and `origin` is assumed. */
    certain: boolean;
    /** iptables-nft-save's `# Warning: iptables-legacy tables present` header: legacy tables exist beside these. */
    legacyTablesPresent: boolean;
    /** The generic key is not read when the backend-specific dump of its backend holds the same tables. */
    sameAs?: string;
  };
  /** The tables this dump showed, as parsed (the nft dump lists iptables-nft tables too: the kernel holds them). */
  tables: Table[];
  /** What of the dump could not be read (the rest was). */
  lost?: LostPart[];
}

/** A part of a netfilter dump that could not be read; the rest of the dump was. */
export interface LostPart {
  /** The table the lost lines belong to; absent when they could be in any table (a dump cut before its end). */
  table?: string;
  /** nft dumps: the lost item's table family (a table's name is unique per family only). */
  family?: Family;
  /** The chain a lost `-A CHAIN …` line was appended to, when the line names a declared chain: only that chain is unread. */
  chain?: string;
  /** 1-based line where the loss starts. */
  line?: number;
  reason: string;
  /** Tables the dump never reached (cut), or did not hold (`iptables -S` lists one table). */
  unseen?: string[];
}

export interface Table {
  family: Family;
  name: string;
  origin: TableOrigin;
  /**
   * Which dump the table was read from. An iptables-nft table appears in both `iptables-save` and the nft
   * dump; mergeRulesets keeps the iptables-save copy (the nft JSON hides xt match options).
   */
  dump?: 'iptables-save' | 'nft-json';
  /**
   * nf_tables table handle (`nft -j list tables`): a per-namespace counter, so it orders the tables by creation.
   * Legacy tables have none. It tells which base chains hooked later only as far as tables are made with their chains.
   */
  handle?: number;
  /** In dump order. */
  chains: Chain[];
  sets: NfSet[];
  /**
   * Set on a stand-in for a table whose rules the dumps do not show (a dump lost or cut): its base chains hold one
   * `unread` rule, so a packet that reaches them ends uncertain instead of passing an empty chain.
   */
  unread?: { dump: string; reason: string };
}

export interface Chain {
  name: string;
  /** Present only for base chains (those attached to a hook). */
  base?: BaseChain;
  rules: Rule[];
  /** Chains whose rules a parser translates on use count them without translating (read it through `ruleCount`). */
  readonly ruleCount?: number;
  /** Where the chain was declared in the source (iptables: `:NAME POLICY` line; nft: handle). */
  line?: number;
  handle?: number;
}

/** A chain's number of rules, without translating rules parsed on use. */
export const ruleCount = (c: Chain): number => c.ruleCount ?? c.rules.length;

export interface BaseChain {
  type: ChainType;
  hook: Hook;
  priority: number;
  policy: 'accept' | 'drop';
  /** netdev/ingress chains bind to a device. */
  device?: string;
}

export interface Rule {
  /** 0-based position in its chain. */
  index: number;
  /** nft rule handle (nft dumps) */
  handle?: number;
  /** 1-based line in the source dump (iptables-save). */
  line?: number;
  /** The rule as the user would recognise it: the iptables-save line, or nft's text form when known. */
  text: string;
  /** `-m comment --comment` / nft `comment`. */
  comment?: string;
  exprs: Expr[];
}

// ---------------------------------------------------------------------------------------------
// Values

export type Value =
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string } // interface names; a trailing `*` is a wildcard (iptables `+`)
  | { kind: 'addr'; value: string } // a single IPv4/IPv6 address
  | { kind: 'prefix'; addr: string; len: number }
  | { kind: 'range'; from: Value; to: Value }
  | { kind: 'set'; elements: Value[] } // anonymous set `{ a, b }`
  | { kind: 'setref'; name: string } // named set `@name`
  | { kind: 'concat'; parts: Value[] }
  | { kind: 'symbol'; value: string }; // keywords: `local`, `new`, `established`, `tcp`, `dnat` ...

// ---------------------------------------------------------------------------------------------
// Selectors: what part of the packet (or its metadata/conntrack) an expression looks at.
//
// Conventions both parsers follow (src/parse/netfilter):
// - interface names are `string` values; iptables `eth+` becomes `eth*` (nft's wildcard).
// - meta keys beyond nft's own: `physdev-in`/`physdev-out` (bridge port name, string) and `physdev-is-in`,
//   `physdev-is-out`, `physdev-is-bridged` (int 1 when true) from xt physdev, which has no nft equivalent.
// - fib `oif` results compare against the symbols `missing`/`exists` (nft JSON prints them as false/true);
//   `-m rpfilter` becomes `fib saddr . iif oif != missing` (saddr . mark . iif with --validmark, saddr only when --loose).
// - tcp flags are compared as numbers (fin 1, syn 2, rst 4, psh 8, ack 16, urg 32, ecn 64, cwr 128):
//   `--syn` is `tcp flags & 0x17 == 0x02`.
// - protocols (`meta l4proto`, `ip protocol`) are `symbol`s named as nft names them (tcp, udp, sctp, icmp, ipv6-icmp).

export type Selector =
  | { kind: 'payload'; protocol: PayloadProtocol; field: string }
  | { kind: 'meta'; key: string } // iifname, oifname, iif, oif, mark, l4proto, nfproto, pkttype, ...
  | { kind: 'ct'; key: string; dir?: 'original' | 'reply' } // state, status, mark, direction, zone, ...
  | { kind: 'fib'; flags: FibFlag[]; result: 'type' | 'oif' | 'oifname' }
  | { kind: 'numgen'; mode: 'random' | 'inc'; mod: number; offset: number }
  | { kind: 'concat'; parts: Selector[] }
  | { kind: 'bitwise'; op: '&' | '|' | '^'; left: Selector; right: number }
  | { kind: 'socket'; key: string }
  | { kind: 'rt'; key: string };

export type PayloadProtocol = 'ip' | 'ip6' | 'tcp' | 'udp' | 'sctp' | 'th' | 'icmp' | 'icmpv6' | 'ether' | 'arp' | 'vlan';
type FibFlag = 'saddr' | 'daddr' | 'mark' | 'iif' | 'oif';

// ---------------------------------------------------------------------------------------------
// Expressions

/**
 * `in` is nft's flag test (`ct state established,related`, `ct status dnat`): true when any of the right-hand
 * flags is set. `!=` with a flag set on the right (iptables `! --ctstate A,B`) means none of them is set.
 * Both parsers always put a `set` of `symbol`s on the right of `in` for ct state/status.
 */
export type CmpOp = '==' | '!=' | '<' | '>' | '<=' | '>=' | 'in';

type MatchExpr =
  /** `left op right`; with a set or prefix on the right, `==` means "is in". */
  | { kind: 'match'; left: Selector; op: CmpOp; right: Value }
  /** xt statistic --mode random: matches with this probability. */
  | { kind: 'random'; probability: number }
  /** xt statistic --mode nth. */
  | { kind: 'nth'; every: number; packet: number }
  /** xt set --match-set NAME src,dst */
  | { kind: 'ipset'; name: string; dirs: ('src' | 'dst')[]; negate: boolean }
  /** xt recent (session affinity): `rcheck`/`update` match if the source was seen; `set` always matches and records. */
  | {
      kind: 'recent';
      name: string;
      mode: 'rcheck' | 'update' | 'set' | 'remove';
      seconds?: number;
      reap?: boolean;
      side: 'src' | 'dst';
      mask?: string;
      /** `--hitcount N`: the source must have been seen at least N times. */
      hitcount?: number;
      /** `! --rcheck`: the match is inverted. */
      negate?: boolean;
    }
  /** A match that never changes the path (nfacct accounting, `limit` when treated as unlimited); kept with its reason. */
  | { kind: 'always'; text: string; reason: string }
  /** A match that is parsed but that the core does not model: the simulator must mark the branch uncertain. */
  | { kind: 'unknown-match'; text: string; reason: string }
  /** Rules that exist but could not be read (the dump holding them failed or was cut): the branch is uncertain here. */
  | { kind: 'unread'; node: string; dump: string; reason: string };

type VerdictKind = 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto' | 'queue';

export interface VerdictStatement {
  kind: 'verdict';
  verdict: VerdictKind;
  /** Chain name for jump/goto. */
  target?: string;
}

type Statement =
  | VerdictStatement
  /** REJECT: ends evaluation like drop but answers (icmp port-unreachable, tcp reset, ...). */
  | { kind: 'reject'; with?: string }
  /** Verdict map: look the key up and apply the element's verdict; no element → rule continues. */
  | { kind: 'vmap'; key: Selector; map: MapRef }
  | NatStatement
  /** mark := (mark & and) ^ xor — the kernel's own form; every MARK/CONNMARK/`mark set` variant maps to it. */
  | { kind: 'mark'; target: 'meta' | 'ct'; and: number; xor: number }
  /**
   * CONNMARK --save-mark / --restore-mark, `ct mark set meta mark`:
   * to := (to & ~mask) ^ (from & (fromMask ?? mask)) — the kernel's xt_CONNMARK form (nfmask/ctmask).
   */
  | { kind: 'mark-copy'; from: 'meta' | 'ct'; to: 'meta' | 'ct'; mask: number; fromMask?: number }
  /**
   * Conntrack template settings: CT --zone / `ct zone set N` (changes which conntrack table the flow is
   * looked up in — matters for NAT), CT --helper / `ct helper set` (no effect on the path).
   */
  | { kind: 'ct-set'; key: 'zone' | 'helper' | (string & {}); value: Value }
  /** TPROXY / nft `tproxy`: hands the packet to a local socket (terminal like accept); may set a mark. */
  | { kind: 'tproxy'; addr?: string; port?: number; family?: 'ip' | 'ip6'; mark?: { and: number; xor: number } }
  /** `update @set { key }` / `add @set { key }` (nft session affinity). */
  | { kind: 'set-update'; op: 'add' | 'update' | 'delete'; set: string; key: Selector; timeout?: number }
  | { kind: 'counter' }
  | { kind: 'log'; prefix?: string }
  | { kind: 'nftrace' }
  | { kind: 'notrack' }
  /** Statements that do not influence the path (comment-like: limit as statement, quota, ...). */
  | { kind: 'noop'; text: string }
  | { kind: 'unknown-statement'; text: string; reason: string };

export interface NatStatement {
  kind: 'nat';
  type: 'dnat' | 'snat' | 'masquerade' | 'redirect';
  /** Target address (dnat/snat); absent for masquerade/redirect. */
  addr?: string;
  /** Target port or port range start. */
  port?: number;
  portTo?: number;
  /** nft `dnat to <key> map @name` / anonymous map; resolved by looking `key` up. */
  addrMap?: { key: Selector; map: MapRef };
  family?: 'ip' | 'ip6';
  /** random, fully-random, persistent */
  flags?: string[];
  /** Last address of an address range (`--to-destination 10.0.0.1-10.0.0.4`, nft `dnat to a-b`). */
  addrTo?: string;
}

export type MapRef =
  | { kind: 'inline'; elements: MapElement[] }
  | { kind: 'ref'; name: string };

export interface MapElement {
  key: Value;
  /** A verdict for vmaps, a value (address, address . port) for data maps. */
  value: Value | VerdictStatement;
  comment?: string;
}

export type Expr = MatchExpr | Statement;

export interface NfSet {
  name: string;
  /** The element type, e.g. `ipv4_addr` or `[ipv4_addr, inet_proto, inet_service]` for concatenations. */
  type: string | string[];
  /** For maps: the data type (`verdict` for vmaps). */
  map?: string | string[];
  flags: string[];
  elements: MapElement[] | SetElement[];
  timeout?: number;
  comment?: string;
}

export interface SetElement {
  key: Value;
  comment?: string;
}

export interface IpSet {
  name: string;
  /** hash:ip, hash:ip,port, hash:net, bitmap:port, ... */
  type: string;
  family?: 'inet' | 'inet6';
  /** Members as printed by `ipset save` (`10.96.0.1,tcp:443`). */
  members: string[];
  /** hash:net members added with `nomatch`: exceptions carved out of the other members. */
  nomatch?: string[];
  /** `timeout N` of the set (entries expire), when set and non-zero. */
  timeout?: number;
}
