/**
 * The Snapshot: the seam between the imperative shell (cluster/, probe/) and the pure core.
 * Names marked "fixed" are relied on by other tools and tests: extend, never rename.
 */

/** Raw Kubernetes object as the API returned it. The core reads it through typed views in model/k8s. */
export type RawObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [k: string]: unknown };
};

/** One probe command's raw result (fixed: argv, stdout, stderr, exitCode). */
export interface DumpResult {
  argv: string[];
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Wall time of the command in milliseconds. */
  durationMs?: number;
  /** How stdout is encoded when it is not plain text (large outputs are gzipped). */
  encoding?: 'utf8' | 'gzip+base64';
  /** When one dump took several commands (probe/'s native-tables nft listing): each argv, in order. */
  steps?: string[][];
}

/** Fixed dump keys and the command each one holds. */
export const DUMP_KEYS = [
  'addr', // ip -j addr show
  'link', // ip -d -j link show
  'rule', // ip -j rule show
  'route', // ip -j route show table all
  'neigh', // ip -j neigh show
  'fdb', // bridge -j fdb show
  'iptables', // iptables-save, the backend kube-proxy uses
  'iptables-legacy',
  'iptables-nft',
  'ip6tables', // ip6tables-save
  'nft', // nft -j list ruleset (or the native tables only, see probe/)
  'conntrack', // conntrack -L
  'ipvs', // ipvsadm -Sn
  'sysctl', // `key = value` lines
] as const;
type KnownDumpKey = (typeof DUMP_KEYS)[number];
/** Known keys plus any extension (e.g. `proxyMode`, `ipset`, `ip6-route`). */
export type DumpKey = KnownDumpKey | (string & {});

export interface NodeCapture {
  /** fixed: dump key → result; a missing key means "not collected". */
  dumps: Partial<Record<DumpKey, DumpResult>>;
  /** fixed: absolute path → file contents (CNI configs), credentials masked (see `redactions`). */
  files?: Record<string, string>;
  /** What collect masked in this node's files and dumps, and the files it left unread. */
  redactions?: Redaction[];
  /** How the node was probed (debug-pod, local, netns) and with what. */
  probe?: {
    transport: string;
    image?: string;
    /** The image the container ran, as the kubelet reports it (a digest: what --image resolved to). */
    imageID?: string;
    pod?: string;
    startedAt?: string;
    errors?: CaptureGap[];
    /** Which iptables backend `iptables`/`ip6tables` hold, and why (probe/backend.ts). */
    iptablesBackend?: { backend: 'nf_tables' | 'legacy'; evidence: string; certain: boolean };
  };
}

/** Something that could not be collected, and why. */
export interface CaptureGap {
  what: string;
  reason: string;
  /** e.g. 'forbidden', 'not-found', 'timeout', 'missing-tool', 'unsupported' */
  code?: string;
  /** What the user can do about it (air-gapped image, Pod Security label, RBAC rule). */
  hint?: string;
}

export type RedactionKind = 'token' | 'private-key' | 'certificate' | 'password' | 'credential' | 'file';

/** One thing collect masked or left out so that a snapshot can be shared (src/snapshot/redact.ts). */
export interface Redaction {
  /** What it was in: a node file path, `dump kubelet-cmdline`, `ConfigMap kube-system/x data.ca.crt`, … */
  source: string;
  /** What was there; `file` = a whole file left unread. */
  kind: RedactionKind;
  /** Where in the source (`line 7: k8s_auth_token`), or why a file was left unread. */
  at: string;
}

export interface ClusterCapture {
  /** fixed: plural resource name → raw API objects (nodes, pods, services, endpointslices, ...). */
  objects: Partial<Record<ResourceName, RawObject[]>>;
  /**
   * How each resource was listed, when not as full objects: `table` = minimal objects built from a
   * server-side Table (pods: name, namespace, nodeName, podIP(s), phase, hostNetwork when known);
   * `metadata` = PartialObjectMetadata only. A missing entry means full objects.
   */
  views?: Partial<Record<ResourceName, ResourceView>>;
  /** fixed: the /version answer. */
  serverVersion?: Record<string, unknown>;
  /** Findings of the dry-run service-CIDR probe: raw error message text. */
  serviceCidrProbe?: { message: string; status?: number };
  /**
   * Set at load, never read from a file: objects left out of `objects` because a field netx reads
   * does not have the shape Kubernetes gives it (snapshot/screen.ts).
   */
  malformed?: MalformedObject[];
}

/** An API object left out at load, and why: each field that does not have its Kubernetes shape. */
export interface MalformedObject {
  resource: ResourceName;
  /** The Kind messages use (`Service`). */
  kind: string;
  namespace?: string;
  /** Absent when `metadata.name` itself is what is wrong. */
  name?: string;
  /** Its labels, when they have their shape (they tie an EndpointSlice to its Service). */
  labels?: Record<string, string>;
  /** Its place in the snapshot: `cluster.objects.services[3]`. */
  at: string;
  issues: ShapeIssue[];
}

/** One field that does not have its shape: where (`spec.ports[0].port`), what was expected, what is there. */
export interface ShapeIssue {
  code: 'wrong-type' | 'missing' | 'bad-format' | 'out-of-range' | 'duplicate' | 'too-deep';
  path: string;
  expected: string;
  found: string;
}

export type ResourceView = 'full' | 'table' | 'metadata';

export type ResourceName =
  | 'nodes'
  | 'pods'
  | 'services'
  | 'endpointslices'
  | 'networkpolicies'
  | 'servicecidrs'
  | 'configmaps'
  | 'daemonsets'
  | 'ippools'
  | 'ciliumnodes'
  | 'namespaces'
  | (string & {});

interface SnapshotSource {
  /** 'live' (collected from an API server), 'lab' (test lab), 'synthetic' (generated), 'file' */
  type: 'live' | 'lab' | 'synthetic' | 'file';
  context?: string;
  /** The context's default namespace at capture time (what kubectl would use without -n). */
  namespace?: string;
  cluster?: string;
  server?: string;
  netxVersion?: string;
  /** What could not be collected, and why. */
  gaps?: CaptureGap[];
  description?: string;
  /** What a live capture cost: API requests made and response bytes received (bench: bytes fetched). */
  fetched?: { requests: number; bytes: number };
  /** Set by collect: credentials were masked with these rules (an empty `redactions` then means none found). */
  redaction?: { rules: number };
  /** What collect masked in API objects (ConfigMap data, container env and args). */
  redactions?: Redaction[];
}

/** fixed top level: {kind, version, capturedAt, source, cluster, nodes} */
export interface Snapshot {
  kind: 'NetxSnapshot';
  version: 1;
  capturedAt: string;
  source: SnapshotSource;
  cluster: ClusterCapture;
  nodes: Record<string, NodeCapture>;
}

export const SNAPSHOT_KIND = 'NetxSnapshot';
export const SNAPSHOT_VERSION = 1;
