/** How nodes are probed: the debug pod's image, namespace and privileges, and the time bounds. */
import { randomBytes } from 'node:crypto';

/**
 * nicolaka/netshoot (Alpine) ships iproute2, iptables (both backends), nftables, conntrack-tools,
 * ipvsadm, ipset, curl and gzip (facts §8). Pinned: a moving tag could change tool versions and output.
 */
export const DEFAULT_PROBE_IMAGE = 'nicolaka/netshoot:v0.13';
/**
 * kube-system: node agents live there, and clusters that enforce a Pod Security level by default
 * usually exempt it; any namespace labelled pod-security.kubernetes.io/enforce=privileged works.
 */
export const DEFAULT_PROBE_NAMESPACE = 'kube-system';

export interface ProbeOptions {
  image: string;
  namespace: string;
  /** privileged: true instead of NET_ADMIN + NET_RAW (--privileged-probe). */
  privileged: boolean;
  /** Run the node's own binaries via chroot /host (implies privileged, hostPID, / mounted read-only). */
  hostBinaries: boolean;
  /** Labels every pod of one command run; `cleanup` and the signal handlers find pods by it. */
  runId: string;
  /** The pod deletes itself (the kubelet kills it) after this long, whatever happens to netx. */
  activeDeadlineSeconds: number;
  /** How long to wait for a pod to be Running. */
  startTimeoutMs: number;
  /** Bound for one probe command. */
  commandTimeoutMs: number;
  /** Nodes probed at the same time. */
  concurrency: number;
  /** The node netx itself runs on (--local-node): probed with local commands, no debug pod. */
  localNode?: string;
  /** Filter conntrack to these addresses (trace knows its addresses); omitted = whole table. */
  conntrackAddresses?: string[];
}

export const newRunId = (): string => randomBytes(4).toString('hex');

export function defaultProbeOptions(overrides: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    image: DEFAULT_PROBE_IMAGE,
    namespace: DEFAULT_PROBE_NAMESPACE,
    privileged: false,
    hostBinaries: false,
    runId: newRunId(),
    activeDeadlineSeconds: 600,
    startTimeoutMs: 90_000,
    commandTimeoutMs: 120_000,
    concurrency: 8,
    ...overrides,
  };
}
