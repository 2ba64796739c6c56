/**
 * What the walker knows beyond one node: the other nodes' models, which node owns an address, and
 * which pod owns a pod IP. Built by analyze/ from the Snapshot; the walker only reads it.
 */
import type { NodeModel } from '../model/node.js';

export interface PodInfo {
  /** `namespace/name` */
  name: string;
  ips: string[];
  node?: string;
  hostNetwork?: boolean;
}

/** An address range the cluster claims (a node's podCIDR, a Service's ClusterIP): nothing outside the cluster owns it. */
export interface ClusterRange {
  cidr: string;
  /** `podCIDR of node-b`, `ClusterIP of default/web`. */
  what: string;
}

export interface World {
  /** Probed nodes by name. */
  nodes: Map<string, NodeModel>;
  /** Every known node address (probed or not: Node objects' addresses too) → node name. */
  nodeByAddr: Map<string, string>;
  /** Pod IP → pod (non-hostNetwork pods). Empty when pods were not collected (`podsKnown` false). */
  podByIp: Map<string, PodInfo>;
  podsKnown: boolean;
  /** Ranges the cluster claims; an address in one that nobody owns is not "outside the cluster". */
  ranges: ClusterRange[];
}

export function makeWorld(nodes: NodeModel[], pods: PodInfo[] = [], extraNodeAddrs: Record<string, string[]> = {}, podsKnown = pods.length > 0, ranges: ClusterRange[] = []): World {
  const nodeByAddr = new Map<string, string>();
  for (const [name, addrs] of Object.entries(extraNodeAddrs)) for (const a of addrs) nodeByAddr.set(a, name);
  for (const n of nodes) {
    for (const a of n.addresses) {
      if (a.scope === 'host' || a.ifname === 'lo') continue;
      if (!nodeByAddr.has(a.local)) nodeByAddr.set(a.local, n.name);
    }
  }
  const podByIp = new Map<string, PodInfo>();
  for (const p of pods) if (!p.hostNetwork) for (const ip of p.ips) podByIp.set(ip, p);
  return { nodes: new Map(nodes.map((n) => [n.name, n])), nodeByAddr, podByIp, podsKnown, ranges };
}
