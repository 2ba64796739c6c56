/** Which port of a bridge leads to an address: its neighbour entry gives the MAC, the bridge's FDB the port. */
import type { NodeModel } from '../model/node.js';
import { sameAddr } from '../util/addr.js';

export type PortLookup = { kind: 'found'; mac: string; port: string } | { kind: 'missing'; why: string };

export function portFor(node: NodeModel, bridge: string, ip: string): PortLookup {
  const n = node.neighbours.find((x) => x.dev === bridge && sameAddr(x.dst, ip) && x.lladdr && !x.state.includes('FAILED') && !x.state.includes('INCOMPLETE'));
  if (!n?.lladdr) return { kind: 'missing', why: `no neighbour entry for ${ip}` };
  const mac = n.lladdr.toLowerCase();
  const f = node.fdb.find((e) => e.mac.toLowerCase() === mac && (e.master === bridge || e.ifname !== bridge) && e.ifname !== bridge);
  if (!f) return { kind: 'missing', why: `no FDB entry for ${mac} (${ip})` };
  return { kind: 'found', mac, port: f.ifname };
}
