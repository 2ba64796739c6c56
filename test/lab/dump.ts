/**
 * The lab's dump step: the probe itself (src/probe/node-probe.ts, the code `kubectl netx collect`
 * runs against a real node) in each node namespace, plus a Snapshot whose API objects describe the
 * lab, so fixtures are captures made the way a real cluster's are.
 */
import { release } from 'node:os';
import { probeNode } from '../../src/probe/node-probe.js';
import { NetnsTransport } from '../../src/probe/transport.js';
import type { Lab } from './build.js';
import { cniFile, labObjects } from './objects.js';
import { clusterCIDR, serviceCIDR } from './spec.js';
import { withRenderedVirtualServers } from './ipvs-load.js';
import type { NodeCapture, Snapshot } from '../../src/snapshot/types.js';

/**
 * Probes one node namespace with the whole catalogue, through the same code that probes a real node
 * (`probeNode` over `ip netns exec`). The lab's nodes share this machine's filesystem, so what the
 * probe reads from /etc/cni/net.d is the host's, not the node's: the node's own CNI conflist (the one
 * its Node/CNI objects describe) replaces it.
 */
async function dumpNode(lab: Lab, node: string): Promise<NodeCapture> {
  const capture = await probeNode(new NetnsTransport(lab.nodeNs(node)), { dumps: [] });
  const cni = cniFile(lab.plan, node);
  // What the probe said about the host's CNI directory is not about this node.
  const errors = capture.probe?.errors?.filter((e) => e.what !== 'CNI files');
  const probe = capture.probe && { ...capture.probe, errors };
  if (probe && !errors?.length) delete probe.errors;
  const { redactions: _hostOnes, ...rest } = capture;
  return { ...rest, ...(probe ? { probe } : {}), files: { [cni.path]: cni.content } };
}

export interface DumpOptions {
  /** Pods removed from the API view (their endpoints were deleted). */
  deletedPods?: ReadonlySet<string>;
  description?: string;
  /** Capture time (ISO); default now. */
  capturedAt?: string;
}

/** Dumps every node and assembles the Snapshot. */
export async function dumpLab(lab: Lab, opts: DumpOptions = {}): Promise<Snapshot> {
  const capturedAt = opts.capturedAt ?? new Date().toISOString();
  // Objects were "created" a little before the capture, as in a real cluster.
  const created = new Date(Date.parse(capturedAt) - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const { objects, serverVersion } = labObjects(lab.plan, created, release(), opts.deletedPods);
  const nodes: Record<string, NodeCapture> = {};
  for (const n of lab.plan.nodes) nodes[n.name] = await dumpNode(lab, n.name);
  const { spec } = lab;
  const snapshot: Snapshot = {
    kind: 'NetxSnapshot',
    version: 1,
    capturedAt,
    source: {
      type: 'lab',
      cluster: `lab-${spec.name}`,
      description:
        opts.description ??
        `netx lab: ${spec.nodes.length} nodes, ${spec.topology} pod networking, kube-proxy ${spec.proxyMode} mode, ` +
          `pods ${clusterCIDR(spec)}, services ${serviceCIDR(spec)}`,
    },
    cluster: { objects, serverVersion },
    nodes,
  };
  // No IPVS in the lab kernel: the probe's ipvsadm failed, the rendered virtual servers stand in (and the description says so).
  return spec.proxyMode === 'ipvs' ? withRenderedVirtualServers(snapshot, lab, opts.deletedPods) : snapshot;
}
