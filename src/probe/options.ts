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
  /** Bound for one probe command; past it the node is reported as not probed. */
  commandTimeoutMs: number;
  /** Nodes probed at the same time. */
  concurrency: number;
  /** The node netx itself runs on (--local-node): probed with local commands, no debug pod. */
  localNode?: string;
  /** Filter conntrack to these addresses (trace knows its addresses); omitted = whole table. */
  conntrackAddresses?: string[];
}

const newRunId = (): string => randomBytes(4).toString('hex');

/**
 * An image reference as the container runtimes take it: [registry[:port]/]path[:tag][@algorithm:hex]
 * (distribution/reference). A digest pins the exact image, whatever the tag points to later.
 */
const IMAGE_REFERENCE = new RegExp(
  // A registry is told from a path component by a dot, a port or the name localhost (as docker does).
  String.raw`^(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+(?::[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+|localhost(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)/)?` +
    String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
    String.raw`(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

export const isImageReference = (ref: string): boolean => ref.length <= 255 + 72 + 128 && IMAGE_REFERENCE.test(ref);

export function defaultProbeOptions(overrides: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    image: DEFAULT_PROBE_IMAGE,
    namespace: DEFAULT_PROBE_NAMESPACE,
    privileged: false,
    hostBinaries: false,
    runId: newRunId(),
    activeDeadlineSeconds: 600,
    startTimeoutMs: 90_000,
    commandTimeoutMs: 90_000,
    concurrency: 8,
    ...overrides,
  };
}
