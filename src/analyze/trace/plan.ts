/** What `trace` needs from a cluster: pods, services, EndpointSlices, nodes, and the path's dataplane dumps. */
import type { CollectPlan } from '../../snapshot/plan.js';
import type { ClusterCapture, DumpKey, Snapshot } from '../../snapshot/types.js';
import { resolveDestination, resolveSource } from './resolve.js';
import { parseDestination, parseSource } from './request.js';

/** Every dump the walker reads: routing, links, neighbours, FDB, both netfilter views, ipsets, conntrack, sysctls. */
export const TRACE_DUMPS: DumpKey[] = [
  'addr',
  'link',
  'rule',
  'ip6-rule',
  'route',
  'ip6-route',
  'neigh',
  'fdb',
  'iptables',
  'ip6tables',
  'iptables-nft',
  'iptables-legacy',
  'nft',
  'ipset',
  'conntrack',
  'sysctl',
];

/**
 * Pods are listed in all namespaces: any pod IP on the path needs a name. Node dumps are taken from
 * every node, because the path (which endpoint, which node) is only known after the walk.
 */
export function tracePlan(opts: { ingress?: boolean; src?: string; dst?: string; namespace?: string } = {}): CollectPlan {
  const plan: CollectPlan = {
    resources: [
      { resource: 'nodes' },
      { resource: 'pods' },
      { resource: 'services' },
      { resource: 'endpointslices' },
      // Optional: the policy step needs them, but snapshots taken before it existed must still trace.
      { resource: 'networkpolicies', optional: true },
      { resource: 'namespaces', optional: true },
      { resource: 'daemonsets', optional: true },
      // DNS names: the cluster domain and DNS address (kubelet config, kubeadm's networking.dnsDomain).
      { resource: 'configmaps', namespace: 'kube-system', name: 'kubelet-config', optional: true },
      { resource: 'configmaps', namespace: 'kube-system', name: 'kubeadm-config', optional: true },
    ],
    nodes: { names: 'all', dumps: TRACE_DUMPS },
  };
  const { src, dst, namespace } = opts;
  if (src && dst) plan.nodes!.conntrackAddressesFrom = (objects) => traceAddresses(objects, src, dst, namespace ?? 'default');
  // Only for DST ingress/NAME: a snapshot without Ingresses then says so when the name is looked up.
  if (opts.ingress) plan.resources.push({ resource: 'ingresses', optional: true });
  return plan;
}

/**
 * The addresses whose conntrack entries can change this trace: the client's (every flow it opens) and
 * the destination's (a VIP's entries, stale ones included). The node filters in the kernel on them
 * (conntrack on a big node is large). When a name does not resolve, nothing is filtered:
 * the trace then reports the name, and the whole table was read.
 */
export function traceAddresses(objects: ClusterCapture['objects'], src: string, dst: string, namespace: string): string[] | undefined {
  const view: Snapshot = { kind: 'NetxSnapshot', version: 1, capturedAt: '', source: { type: 'live' }, cluster: { objects }, nodes: {} };
  try {
    const s = parseSource(src, namespace);
    const d = parseDestination(dst, namespace);
    // A DNS name or an Ingress is resolved during the trace itself: no address to filter on yet.
    if (d.kind === 'dns' || d.kind === 'ingress') return undefined;
    const from = s.kind === 'external' ? s.ip : resolveSource(view, s).ip;
    const to = resolveDestination(view, d, namespace).dest.ip;
    return from && to ? [...new Set([from, to])] : undefined;
  } catch {
    return undefined;
  }
}
