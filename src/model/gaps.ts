/**
 * State of a node that its dumps do not show: a dump not collected, failed, undecodable or unparseable, or a part of
 * one (a table, lines) lost while the rest was read. Nothing lost is read as empty: the walker meets a gap where the
 * lost state could decide the packet's fate and ends that branch uncertain, naming the node, the dump and the reason.
 */

/** Why the state is not known. */
type GapCause = 'not-collected' | 'failed' | 'undecodable' | 'unparseable' | 'partial';

/** A dump the node-model builder could not read at all, and why: the one record every analysis reports from. */
export interface DumpFailure {
  cause: Exclude<GapCause, 'partial'>;
  /** One line: the command and why (`iptables-nft-save exited 124: timeout`). */
  reason: string;
  /** Why alone: the command's first stderr line (else its exit code), the decode or the parse error. */
  why: string;
  /** The command that made the dump (its argv), when it ran. */
  command?: string;
}

/** Which part of the dataplane the gap hides. */
export type GapState = 'netfilter' | 'routes' | 'rules' | 'links' | 'addresses' | 'neighbours' | 'fdb' | 'sysctl' | 'conntrack' | 'ipvs' | 'ipsets';

export interface StateGap {
  /** The dump key that should have shown the state. */
  dump: string;
  cause: GapCause;
  state: GapState;
  /** One line: the command and why (`iptables-nft-save exited 124: timeout`, `line 21: unexpected line`). */
  reason: string;
  /** The address family the lost state is about, when the dump is per family. */
  family?: 4 | 6;
  /** What of a dump that was otherwise read is lost: `table filter`, `tables nat, mangle, raw, security`. */
  lost?: string[];
  /** Lines of a line-oriented dump that were skipped, verbatim: a walk can tell whether one could be its flow's. */
  lines?: { line: number; text: string }[];
  /** Set when the other dumps show that the lost state cannot change a walk, saying why (no kube-ipvs0: IPVS unused). */
  moot?: string;
}

/** A dump key whose contents the walker reads, and the state it holds. */
export interface DumpState {
  state: GapState;
  family?: 4 | 6;
}

/** Dataplane dumps and what they hold; other keys (`proxyMode`, kubelet files, resolv.conf) are not walker state. */
export const DUMP_STATE: Readonly<Record<string, DumpState>> = {
  addr: { state: 'addresses' },
  link: { state: 'links' },
  rule: { state: 'rules', family: 4 },
  'ip6-rule': { state: 'rules', family: 6 },
  route: { state: 'routes', family: 4 },
  'ip6-route': { state: 'routes', family: 6 },
  neigh: { state: 'neighbours' },
  fdb: { state: 'fdb' },
  sysctl: { state: 'sysctl' },
  conntrack: { state: 'conntrack', family: 4 },
  'conntrack-ipv6': { state: 'conntrack', family: 6 },
  ipvs: { state: 'ipvs' },
  ipset: { state: 'ipsets' },
  iptables: { state: 'netfilter', family: 4 },
  'iptables-nft': { state: 'netfilter', family: 4 },
  'iptables-legacy': { state: 'netfilter', family: 4 },
  ip6tables: { state: 'netfilter', family: 6 },
  'ip6tables-nft': { state: 'netfilter', family: 6 },
  'ip6tables-legacy': { state: 'netfilter', family: 6 },
  nft: { state: 'netfilter' },
};

/** The gap that hides `state` (of `family`, when given) on a node, if one does and the other dumps do not make it moot. */
export function gapFor(gaps: readonly StateGap[] | undefined, state: GapState, family?: 4 | 6): StateGap | undefined {
  return gaps?.find((g) => g.state === state && g.moot === undefined && (family === undefined || g.family === undefined || g.family === family));
}

/** `the iptables dump failed (iptables-nft-save exited 124: timeout)`: the dump and why, for messages. */
export function describeGap(g: StateGap): string {
  switch (g.cause) {
    case 'not-collected':
      return `the ${g.dump} dump was not collected (${g.reason})`;
    case 'failed':
      return `the ${g.dump} dump failed (${g.reason})`;
    case 'undecodable':
      return `the ${g.dump} dump could not be decoded (${g.reason})`;
    case 'unparseable':
      return `the ${g.dump} dump could not be read (${g.reason})`;
    case 'partial':
      return `the ${g.dump} dump was read only in part (${[...(g.lost ?? []), g.reason].join('; ')})`;
  }
}
