/** The gaps of a node's non-netfilter state (netfilter: node-netfilter.ts), each judged against what the other dumps show. */
import type { ConntrackDump } from '../conntrack.js';
import type { DumpReader } from './dump-reader.js';
import { DUMP_STATE, type StateGap } from '../../model/gaps.js';
import type { NodeModel } from '../../model/node.js';

/** Every dataplane dump the node could not read (or read only in part), with why it matters or does not. */
export function stateGaps(r: DumpReader, m: NodeModel, conntrack: (ConntrackDump | undefined)[]): StateGap[] {
  const out: StateGap[] = [];
  for (const [dump, s] of Object.entries(DUMP_STATE)) {
    if (s.state === 'netfilter') continue;
    const f = r.failure(dump);
    if (!f) continue;
    const g: StateGap = { dump, cause: f.cause, state: s.state, reason: f.reason };
    if (s.family !== undefined) g.family = s.family;
    const moot = mootBecause(dump, r, m);
    if (moot) g.moot = moot;
    out.push(g);
  }
  (['conntrack', 'conntrack-ipv6'] as const).forEach((dump, i) => {
    const skipped = conntrack[i]?.skipped;
    if (!skipped?.length) return;
    out.push({ dump, cause: 'partial', state: 'conntrack', family: i === 0 ? 4 : 6, reason: skipped[0]!.reason, lost: [`${skipped.length} line(s)`], lines: skipped.map(({ line, text }) => ({ line, text })) });
  });
  return out;
}

/** When the other dumps show that the lost one cannot change a walk. */
function mootBecause(dump: string, r: DumpReader, m: NodeModel): string | undefined {
  switch (dump) {
    case 'ipvs':
      // kube-proxy's IPVS mode binds every virtual server address to its dummy device kube-ipvs0.
      return (r.read('link') || r.read('addr')) && !m.links.some((l) => l.name === 'kube-ipvs0') ? "no kube-ipvs0 device: kube-proxy's IPVS mode is not in use" : undefined;
    case 'ip6-route':
      return r.read('route') && m.routes.some((x) => x.family === 6) ? 'the route dump lists the IPv6 routes too' : undefined;
    default:
      return undefined;
  }
}
