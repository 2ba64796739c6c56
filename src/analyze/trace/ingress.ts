/**
 * Where a pod's packet enters its node: the host-side interface whose peer is the pod (a veth with a
 * /32 route: Calico, Cilium), or the bridge port behind which the pod's MAC lives (bridge CNIs:
 * neighbour entry → FDB). Whether the frame is switched to another port or routed by the node
 * follows from the pod's connected subnet, which is the bridge's.
 */
import type { NodeModel } from '../../model/node.js';
import type { Start } from '../../sim/walk.js';
import { lookupTable } from '../../sim/route.js';
import { inPrefix, sameAddr } from '../../util/addr.js';
import { fibAddrType } from '../../sim/local.js';
import { UNKNOWN_PORT } from '../../sim/packet.js';
import { describeGap, gapFor, type StateGap } from '../../model/gaps.js';

export type Ingress = { ok: true; start: Start } | { ok: false; reason: string; gap?: StateGap };

export function podIngress(node: NodeModel, podIp: string, dst: string): Ingress {
  const family = podIp.includes(':') ? 6 : 4;
  // The pod's interface comes from the route to it and the link it names: unread, they are not "missing".
  const gap = gapFor(node.gaps, 'routes', family) ?? gapFor(node.gaps, 'links');
  if (gap) return { ok: false, reason: `where ${podIp} enters ${node.name} is unknown: ${describeGap(gap)}`, gap };
  const r = lookupTable(node, { family, daddr: podIp, mark: 0 }, 254);
  if (!r || r.kind !== 'unicast') return { ok: false, reason: `${node.name} has no route to the pod address ${podIp}: cannot tell which interface the pod uses` };
  const dev = r.hops[0]?.dev;
  const link = node.links.find((l) => l.name === dev);
  if (!dev || !link) return { ok: false, reason: `the route to ${podIp} on ${node.name} names device ${dev ?? '(none)'}, which is not in the link dump` };
  if (link.kind === 'bridge') {
    const port = bridgePort(node, dev, podIp);
    const local = fibAddrType(node, dst) === 'local';
    const bridged = !local && inPrefix(dst, r.route.dst) && !sameAddr(dst, podIp);
    const start: Start = { kind: 'interface', node: node.name, iif: dev, bridged, physIn: port ?? UNKNOWN_PORT };
    start.note = port
      ? `${podIp} sends through bridge port ${port} of ${dev} (neighbour + FDB)`
      : `${podIp} sits behind bridge ${dev}; its port is not in the neighbour/FDB dumps`;
    return { ok: true, start };
  }
  if (link.kind === 'veth' || link.kind === 'device' || link.kind === 'dummy') {
    return { ok: true, start: { kind: 'interface', node: node.name, iif: dev, note: `${podIp} is reached through ${dev} (${r.route.dst} dev ${dev}): the pod sends in through it` } };
  }
  return { ok: true, start: { kind: 'interface', node: node.name, iif: dev, note: `${podIp} routed via ${dev} (${link.kind}); assumed to be the pod's ingress` } };
}

function bridgePort(node: NodeModel, bridge: string, ip: string): string | undefined {
  const n = node.neighbours.find((x) => x.dev === bridge && sameAddr(x.dst, ip) && x.lladdr);
  if (!n?.lladdr) return undefined;
  const mac = n.lladdr.toLowerCase();
  return node.fdb.find((f) => f.mac.toLowerCase() === mac && f.ifname !== bridge && (f.master === bridge || f.master === undefined))?.ifname;
}
