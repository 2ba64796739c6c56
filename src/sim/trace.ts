/**
 * The Trace: what the simulator answers. Typed all the way down (branches → hops → steps). Its JSON names
 * are a public contract (schemas/trace.schema.json, scripts read them): extend freely, never rename.
 */
import type { FindingOf } from '../model/finding.js';
import type { PacketView } from './packet.js';

/** `egress`: the packet leaves the cluster towards an address nothing in the snapshot owns (nothing failed on the way). */
export type Disposition = 'delivered' | 'dropped' | 'rejected' | 'no-route' | 'loop' | 'uncertain' | 'insufficient-info' | 'egress';

/** Dispositions where nothing on the path failed: the packet reached its endpoint, or left the cluster intact. */
const SUCCESSFUL: readonly Disposition[] = ['delivered', 'egress'];

export const isFailure = (d: Disposition): boolean => !SUCCESSFUL.includes(d);

type StepKind = 'ingress' | 'route' | 'netfilter' | 'nat' | 'conntrack' | 'bridge' | 'encap' | 'decap' | 'forward' | 'deliver' | 'drop' | 'note';

/**
 * What a step takes for granted that no dump shows; the walk goes on as if it were so, and the findings say what
 * else could happen.
 */
export type Assumption =
  /** Base chains tied at one hook and priority: which one hooked last (and so runs first) is not recorded anywhere. */
  | { kind: 'hook-order'; hook: string; priority: number; order: string[]; basis: string; flipped: boolean }
  /** A router outside the snapshot (`gateway`, or the segment of `dev`) delivers the packet to the node that owns `to`. */
  | { kind: 'underlay'; dev: string; gateway?: string; to: string; toNode: string; owner: 'pod' | 'node'; basis: string };

/** One thing the kernel did to (or decided about) the packet. */
interface StepBase {
  /** One line a person reads. */
  summary: string;
  packetBefore?: PacketView;
  packetAfter?: PacketView;
  /** Free-form facts: route matched, FDB entry, VNI, outer addresses... */
  detail?: Record<string, string | number | boolean>;
  /** Set when this step rests on something the dumps do not show. */
  assumption?: Assumption;
}

/** Where in a ruleset (netfilter, IPVS, a routing table) the step happened. */
interface RuleRef {
  /** Netfilter: `ip nat`, `inet kube-proxy`; route: table name/id; `ipvs`. */
  table?: string;
  chain?: string;
  hook?: string;
  priority?: number;
  /** The rule as written in the dump. */
  rule?: string;
  /** 1-based line in iptables-save output. */
  line?: number;
  /** nft handle. */
  handle?: number;
  /** accept, drop, reject, jump X, goto X, return, policy accept, dnat, snat, masquerade, ... */
  verdict?: string;
}

/**
 * What a netfilter rule, or a base chain's policy, did to the packet, as data (`verdict` says it in words): renderers
 * decide on this. `dnat`, `snat`, `masquerade`, `redirect`: an address translation (the step's kind is `nat`);
 * `uncertain`: the walk could not tell.
 */
export type RuleAction = 'accept' | 'drop' | 'reject' | 'queue' | 'jump' | 'goto' | 'return' | 'continue' | 'uncertain' | NatAction | 'policy-accept' | 'policy-drop';
export type NatAction = 'dnat' | 'snat' | 'masquerade' | 'redirect';

interface Action {
  action?: RuleAction;
  /** `jump` / `goto`: the chain jumped to. */
  target?: string;
}

/** Fields a step kind does not have: absent (readers of any step may still ask, and get undefined). */
type Absent<T> = { [K in keyof T]?: never };

interface Evaluation {
  /** Every rule evaluated on the way (for `-v`). */
  evaluated?: EvaluatedRule[];
}

interface Tunnel {
  /** The tunnel as data (its type and device). Renderers read it, never the summary. */
  tunnel: TunnelInfo;
}

/** A netfilter base chain run. */
export type NetfilterStep = StepBase & RuleRef & Action & Evaluation & Absent<Tunnel> & { kind: 'netfilter' };
/**
 * Address translation (netfilter NAT, an IPVS virtual server), a drop (by IPVS), or a note the walk makes about where
 * it is (hook order tie, policy, a mode not modelled).
 */
export type RuleStep = StepBase & RuleRef & Action & Absent<Evaluation & Tunnel> & { kind: 'nat' | 'drop' | 'note' };
/**
 * A routing decision: `table` the routing table, `rule` the route, `verdict` the lookup's result, `dst` the matched
 * route's destination prefix (normalised: `0.0.0.0/0` and `::/0` for a default route).
 */
type RouteStep = StepBase & Pick<RuleRef, 'table' | 'rule' | 'verdict'> & Absent<Omit<RuleRef, 'table' | 'rule' | 'verdict'> & Action & Evaluation & Tunnel> & { kind: 'route'; dst?: string };
/** Into or out of a tunnel. */
type TunnelStep = StepBase & Tunnel & Absent<RuleRef & Action & Evaluation> & { kind: 'encap' | 'decap' };
/** An existing conntrack entry decides the flow: `line` is the entry's line in the conntrack dump. */
type ConntrackStep = StepBase & Pick<RuleRef, 'line'> & Absent<Omit<RuleRef, 'line'> & Action & Evaluation & Tunnel> & { kind: 'conntrack' };
/** Arrival, bridging, leaving by a device, delivery. */
type PlainStep = StepBase & Absent<RuleRef & Action & Evaluation & Tunnel> & { kind: 'ingress' | 'bridge' | 'forward' | 'deliver' };

/** One thing the kernel did to (or decided about) the packet: its kind says which fields it has. */
export type Step = NetfilterStep | RuleStep | RouteStep | TunnelStep | ConntrackStep | PlainStep;

/** The tunnel an `encap`/`decap` step wraps the packet in or takes it out of. */
export interface TunnelInfo {
  type: 'vxlan' | 'ipip';
  /** The tunnel device (`flannel.1`, `vxlan.calico`, `tunl0`). */
  dev: string;
  /** VXLAN network identifier and UDP port. */
  vni?: number;
  port?: number;
  /** Outer addresses (encap: what the node sends). */
  outerSrc?: string;
  outerDst?: string;
  /** The node that owns the outer destination. */
  remoteNode?: string;
}

export interface EvaluatedRule {
  table: string;
  chain: string;
  rule: string;
  line?: number;
  handle?: number;
  /** `no match`, `match → jump KUBE-SVC-…`, `p=0.5 branch`, ... */
  result: string;
  /**
   * Set on an entry that stands for this many more rules in a row of the same chain with the same result (a
   * service's thousands of random rules passed on the way to its endpoint): `rule` says which lines.
   */
  skipped?: number;
}

export interface Hop {
  node: string;
  /** `host` for the node's own network namespace. */
  namespace: string;
  steps: Step[];
}

export interface Endpoint {
  ip: string;
  port?: number;
  pod?: string;
  node?: string;
  /** What owns the address: pod, node, service, external. */
  owner?: string;
}

/**
 * Why a branch ended, as data (`reason` says it in words): findings and renderers decide by `code`, never by the text.
 * `state-unread`: the branch reached state of `node` that the `dump` should have shown and did not (failed, missing,
 * unreadable, cut); `forwarding-disabled` / `rp-filter`: the kernel's forwarding checks on `node` dropped it;
 * `policy-dataplane-disagree`: the dumps deliver it while a NetworkPolicy an engine enforces denies it; `jump-loop`
 * and `path-limit`: the rule walk stopped at a loop (a dump the kernel would not have loaded) or at the path limit.
 */
export type BranchCause =
  | { code: 'state-unread'; node: string; dump: string; state: string }
  | { code: 'forwarding-disabled'; node: string; iif?: string }
  | { code: 'rp-filter'; node: string; iif: string }
  | { code: 'policy-dataplane-disagree'; policies: string[]; engines: string[] }
  /** A jump or goto into a chain already on the call path (`chains`: the loop, the first repeated at the end). */
  | { code: 'jump-loop'; chains: string[] }
  /** The alternatives of a fork past the most distinct paths a trace follows (`limit`). */
  | { code: 'path-limit'; limit: number };

/** An endpoint and the odds that a new connection lands on it. */
export interface EndpointShare extends Endpoint {
  probability: number;
}

export interface Branch {
  /** The branch's odds; for a path that stands for several endpoints, theirs added up. */
  probability: number;
  disposition: Disposition;
  /** Why the branch ended the way it did. */
  reason: string;
  /** The same as data, when the end has a code (see BranchCause). */
  cause?: BranchCause;
  /** Where this path ends; for a path that stands for several endpoints, the one whose steps `hops` shows. */
  endpoint?: Endpoint;
  /**
   * Every endpoint (or, for a path that ends before one, every address it was sent to) this path stands for, each
   * with its own odds, likeliest first. Paths that differ only in the endpoint (same nodes, same kinds of steps,
   * same verdicts) are one branch when a trace has many: see groupPaths.
   */
  endpoints?: EndpointShare[];
  hops: Hop[];
  /** Session affinity, random choices, assumptions made on this branch. */
  notes: string[];
  /**
   * The client affinity this path met (`recent NAME`, `@SET`, `IPVS persistence`): the odds shown are a first
   * connection's; later ones from the same client stick to the endpoint it got.
   */
  affinity?: string;
  /** The final packet as it arrives (after all NAT); for `egress`, as it leaves the cluster (`oif` the interface). */
  final?: PacketView;
  /** `egress` only: where the packet leaves the cluster. */
  egress?: { node: string; dev: string; gateway?: string };
}

/** What a trace finding is about: renderers and analyses decide by it, never by the message. */
type TraceFindingCode =
  | 'br-netfilter-off'
  | 'cni-policy-chains'
  | 'dns-cluster-domain-mismatch'
  | 'dns-kubelet-config-disagrees'
  | 'dns-kubelet-config-unreadable'
  | 'dns-loopback-nameserver'
  | 'dns-node-local-cache'
  | 'dns-node-resolv-conf-unreadable'
  | 'dns-server-other-service'
  | 'dns-server-unowned'
  | 'dump-unreadable'
  | 'endpoint-not-ready'
  | 'endpoint-terminating'
  | 'endpoints'
  | 'external-name'
  | 'external-traffic-local'
  | 'flannel-only'
  | 'forwarding-disabled'
  | 'headless-service'
  | 'hook-order-assumed'
  | 'insufficient-info'
  | 'internal-traffic-local'
  | 'loop'
  | 'malformed-object'
  | 'mixed-backends'
  | 'mtu'
  | 'no-endpoints'
  | 'no-ready-endpoints'
  | 'no-route'
  | 'no-route-to-pod-cidr'
  | 'pod-masquerade'
  | 'policy-dataplane-disagree'
  | 'policy-denied'
  | 'policy-enforcement-unknown'
  | 'policy-not-collected'
  | 'policy-not-enforced'
  | 'policy-outside-netfilter'
  | 'port-not-declared'
  | 'proxy-missing-endpoint'
  | 'proxy-stale-endpoint'
  | 'proxy-unaware-service'
  | 'reply-dropped'
  | 'rp-filter'
  | 'rp-filter-reply'
  | 'session-affinity'
  | 'source-ip-masqueraded'
  | 'stale-conntrack'
  | 'target-port-mismatch'
  | 'topology-hints'
  | 'uncertain'
  | 'underlay-assumed';

/** Evidence: the node, table/chain, line or object name that proves it. */
export interface Finding extends FindingOf<TraceFindingCode> {
  /** A command that would fix or check it. */
  hint?: string;
  /**
   * Set (true) on an `info` finding that reports a check that passed (e.g. `endpoints`: the service has
   * ready endpoints); an `info` finding without it is a note — worth knowing, nothing was checked.
   */
  passed?: true;
}

export interface AddressLabel {
  address: string;
  kind: 'pod' | 'service' | 'node' | 'endpoint' | 'external';
  name?: string;
  node?: string;
}

export interface TraceEnd {
  kind: 'pod' | 'service' | 'node' | 'ip';
  /** `ns/name` for pods and services, node name for nodes. */
  name?: string;
  ip: string;
  port?: number;
  protocol: string;
  node?: string;
  portName?: string;
  /** How the destination is reached when it is (or was named as) a service: ClusterIP, NodePort, LoadBalancer, headless, ExternalName. */
  serviceType?: string;
  /** The headless service a pod destination was named through. */
  service?: string;
  /** ExternalName: the DNS name the service is a CNAME for. */
  externalName?: string;
}

/** How the source pod resolved a destination name (trace DST given as a DNS name). */
export interface DnsInfo {
  name: string;
  /** The dnsPolicy in effect (after the hostNetwork fallback). */
  dnsPolicy: string;
  /** The pod's /etc/resolv.conf as the kubelet writes it. */
  resolvConf: string;
  nameservers: string[];
  search: string[];
  ndots: number;
  clusterDomain: string;
  /** Where the cluster domain came from, or `assumed: …`. */
  clusterDomainSource: string;
  nameserverSource: string;
  /** The source pod's node, whose kubelet settings were used. */
  node?: string;
  /** The node's resolv.conf the pod inherits (Default) or takes search domains from (ClusterFirst): where it was read. */
  nodeResolvConfSource?: string;
  /** Each name tried, in order, with what cluster DNS answers. */
  attempts: { query: string; result: string }[];
  /** The answer that ends the search (absent: none in the cluster). */
  answer?: string;
  /** The Service fronting cluster DNS and its endpoints (CoreDNS pods). */
  dnsService?: { name: string; ip: string; endpoints: { ip: string; ready: boolean; pod?: string; node?: string }[] };
  notes: string[];
}

/** Which Ingress rule routes a host/path to which backend (trace DST `ingress/NAME`). */
export interface IngressRoute {
  /** `ns/name` of the Ingress. */
  ingress: string;
  host: string;
  path: string;
  /** The rule/path that matched, or why the default backend (or nothing) answers. */
  matched: string;
  /** The backend Service (`ns/name`) and port (number or name), when it is a Service. */
  backend?: { service: string; port?: string };
  notes: string[];
}

export interface Trace {
  source: TraceEnd;
  destination: TraceEnd;
  /** The failing disposition with the most probability; without a failing branch, `delivered` or `egress` (see summary.ts). */
  disposition: Disposition;
  branches: Branch[];
  findings: Finding[];
  labels?: AddressLabel[];
  /** Set when DST was a name: the resolution that led to this destination. */
  dns?: DnsInfo;
  /** Set when DST was `ingress/NAME`: the rule that chose the backend Service traced to. */
  ingress?: IngressRoute;
  /** `query` for the DNS query's own path (`--dns`), absent for the traced connection. */
  role?: 'dns-query';
}
