/**
 * What the dumps of the nodes on a trace's paths could not show, as findings: a gap a branch reached (it made the branch
 * uncertain: a warning naming node, dump and reason), a gap the paths did not depend on (a note), and a gap other dumps
 * show cannot matter (a note saying why). Nothing that could not be read goes unmentioned.
 */
import { describeGap, type StateGap } from '../../model/gaps.js';
import type { Finding, Trace } from '../../sim/trace.js';
import { familyOf } from '../../util/addr.js';
import type { TraceWorld } from './world.js';

/** The command that shows the dump on the node (the catalogue's, without the probe's wrapping). */
const COMMAND: Record<string, string> = {
  addr: 'ip -j addr show',
  link: 'ip -d -j link show',
  rule: 'ip -j rule show',
  'ip6-rule': 'ip -6 -j rule show',
  route: 'ip -j route show table all',
  'ip6-route': 'ip -6 -j route show table all',
  neigh: 'ip -j neigh show',
  fdb: 'bridge -j fdb show',
  sysctl: 'sysctl -a',
  conntrack: 'conntrack -L',
  'conntrack-ipv6': 'conntrack -L -f ipv6',
  ipvs: 'ipvsadm -Sn',
  ipset: 'ipset save',
  iptables: 'iptables-save',
  'iptables-nft': 'iptables-nft-save',
  'iptables-legacy': 'iptables-legacy-save',
  ip6tables: 'ip6tables-save',
  'ip6tables-nft': 'ip6tables-nft-save',
  'ip6tables-legacy': 'ip6tables-legacy-save',
  nft: 'nft -j list ruleset',
};

/** Why a gap the paths did not reach still leaves something unchecked. */
const UNCHECKED: Partial<Record<StateGap['state'], string>> = {
  conntrack: 'existing entries for these addresses (stale ones too) were not checked',
};

export function unreadFindings(tw: TraceWorld, trace: Trace, srcNode: string): Finding[] {
  const family = familyOf(trace.destination.ip || trace.source.ip);
  const nodes = [...new Set([srcNode, ...trace.branches.flatMap((b) => b.hops.map((h) => h.node))])].filter((n) => tw.models.has(n));
  const out: Finding[] = [];
  const moot = new Map<string, { gap: StateGap; nodes: string[] }>();
  for (const node of nodes) {
    const live = new Map<string, StateGap[]>();
    for (const g of tw.models.get(node)!.gaps ?? []) {
      if (g.family !== undefined && g.family !== family) continue;
      if (g.moot === undefined) {
        live.set(g.dump, [...(live.get(g.dump) ?? []), g]);
        continue;
      }
      const key = `${g.dump}\0${g.cause}\0${g.moot}`;
      const m = moot.get(key) ?? { gap: g, nodes: [] };
      if (!m.nodes.includes(node)) m.nodes.push(node);
      moot.set(key, m);
    }
    for (const gaps of live.values()) out.push(gapFinding(trace, node, gaps));
  }
  for (const { gap, nodes: on } of moot.values()) {
    out.push({ code: 'dump-unreadable', severity: 'info', message: `${describeGap(gap)} on ${on.join(', ')}: not needed — ${gap.moot}` });
  }
  return out;
}

/** One finding per node and dump (a lost `iptables` hides both backends' tables: two gaps, one dump). */
function gapFinding(trace: Trace, node: string, gaps: StateGap[]): Finding {
  const g = gaps[0]!;
  const met = trace.branches.filter((b) => b.cause?.code === 'state-unread' && b.cause.node === node && b.cause.dump === g.dump);
  const evidence = [`${node}: ${g.dump}: ${g.reason}`, ...new Set(gaps.flatMap((x) => x.lost ?? []).map((l) => `lost: ${l}`)), ...(g.lines ?? []).slice(0, 3).map((l) => `line ${l.line}: ${l.text}`)];
  const hint = `collect again (kubectl netx collect), or read it on ${node}: ${COMMAND[g.dump] ?? g.dump}`;
  if (met.length > 0) {
    const mass = met.reduce((s, b) => s + b.probability, 0);
    return {
      code: 'dump-unreadable',
      severity: 'warning',
      message: `${node}: ${describeGap(g)} — ${met.length} of ${trace.branches.length} path(s) (${Math.round(mass * 1000) / 10}%) reach what it holds and are uncertain`,
      evidence,
      hint,
    };
  }
  const unchecked = UNCHECKED[g.state];
  return { code: 'dump-unreadable', severity: 'info', message: `${node}: ${describeGap(g)} — no path of this trace depends on it${unchecked ? `; ${unchecked}` : ''}`, evidence, hint };
}
