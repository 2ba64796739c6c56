/**
 * The proxy-mode report: what kube-proxy is configured to do (per source, with evidence) and what
 * each node's dataplane shows it really does. Every claim carries the object or dump it came from.
 */
import type { FindingOf } from '../../model/finding.js';
import type { Snapshot } from '../../snapshot/types.js';

/** kube-proxy's `mode` values (Linux + Windows); `''` in the config means the platform default. */
export type ProxyMode = 'iptables' | 'ipvs' | 'nftables' | 'kernelspace';

/** A mode as written somewhere, normalised. `defaulted`: it was empty and the Linux default applies. */
export interface ModeValue {
  mode: ProxyMode | 'unrecognised';
  /** Exactly as written (`""`, `IPVS`, `nftables`). */
  written: string;
  defaulted: boolean;
}

/** Where one piece of configuration was found. Discriminated by `kind`. */
export type ConfigSource =
  /** A KubeProxyConfiguration (ConfigMap key, usually mounted through --config). */
  | { kind: 'config-file'; object: string; key: string; mode: ModeValue; mountedBy?: string; evidence: string }
  /** `--proxy-mode=` on a DaemonSet or a static (mirror) pod. */
  | { kind: 'flag'; object: string; mode: ModeValue; alsoConfigFile?: string; evidence: string; /** Static pods: the node it runs on. */ node?: string }
  /** A component that takes over service proxying (Cilium kube-proxy replacement, GKE Dataplane V2). */
  | { kind: 'replacement'; by: 'cilium' | 'gke-dataplane-v2'; state: 'full' | 'partial' | 'off' | 'unknown'; object: string; evidence: string }
  /**
   * The kube-proxy running on these nodes outside any pod (a host process, as many distributions run
   * it), from what the probe read there: its command line and --config file (`process`, with a view
   * of the node), else the configuration it loaded (`configz`, its :10249/configz), else its mode
   * (`proxyMode`). Each node is held to its own.
   */
  | { kind: 'running'; via: 'process' | 'configz' | 'proxyMode'; nodes: string[]; object: string; mode: ModeValue; configFile?: string; evidence: string }
  /** Distribution hints (k3s / RKE2): labelled as hints, never decisive on their own. */
  | { kind: 'hint'; distro: 'k3s' | 'rke2'; object: string; mode?: ModeValue; disabled?: boolean; evidence: string }
  /** Neither a kube-proxy DaemonSet nor kube-proxy pods exist. */
  | { kind: 'absent'; evidence: string };

/** The configuration as a whole: one answer, or why there is none. */
export interface ConfiguredMode {
  /** `none` = no kube-proxy; `replaced` = another component proxies services; `unknown` = no source found. */
  mode: ProxyMode | 'none' | 'replaced' | 'unknown' | 'unrecognised';
  defaulted: boolean;
  /** The source that decided (index into `sources`). */
  decidedBy?: number;
  /** Rules applied to reach the answer (precedence, defaults) in plain words. */
  assumptions: string[];
  sources: ConfigSource[];
}

/** One observation in a node's dumps. */
export type NodeSignal =
  /** kube-proxy's own answer on :10249/proxyMode: ranks above everything else. */
  | { kind: 'proxy-mode-endpoint'; value: string; dump: string }
  /** nat KUBE-SERVICES in an iptables dump. `serviceRules`: jumps to per-service chains. */
  | {
      kind: 'iptables-services';
      dump: string;
      backend: IptablesBackend;
      family: 'ip' | 'ip6';
      rules: number;
      serviceRules: number;
      ipvsSetRules: number;
      serviceChains: number;
    }
  /** `table ip kube-proxy` / `ip6 kube-proxy` in the nft dump. */
  | { kind: 'nft-table'; dump: string; family: string; chains: number; rules: number; serviceChains: number; serviceElements: number }
  /** The `kube-ipvs0` dummy link. */
  | { kind: 'ipvs-link'; dump: string; addresses?: number }
  /** IPVS virtual servers. */
  | { kind: 'ipvs-services'; dump: string; services: number };

export type IptablesBackend = 'nf_tables' | 'legacy' | 'unknown';

/** Which iptables backend a node uses, decided like iptables-wrappers (kubelet's canary chains). */
export interface BackendVerdict {
  /** kube-proxy's backend; `not-applicable` in nftables mode (it writes no iptables rules). */
  backend: IptablesBackend | 'not-applicable';
  evidence: string;
  /** In nftables mode: the backend the node's other iptables users (kubelet, CNI, policy engine) use. */
  node?: { backend: IptablesBackend; evidence: string };
}

/** A node's effective mode. `unknown` never guesses: it says why. */
export type EffectiveMode =
  | { kind: 'known'; mode: ProxyMode; basis: 'endpoint' | 'dataplane'; summary: string; missing: string[] }
  | { kind: 'none'; summary: string }
  | { kind: 'ambiguous'; candidates: ProxyMode[]; summary: string }
  | { kind: 'unknown'; reason: string };

export interface KubeProxyInstance {
  pod?: string;
  /** `daemonset` pods, `static` mirror pods, `process`: no pod, but the node's kube-proxy answered the probe. */
  via: 'daemonset' | 'static' | 'daemonset-image' | 'process';
  /** The running kube-proxy's own version (its kubernetes_build_info) when probed, else the image tag. */
  version?: string;
  image?: string;
  startedAt?: string;
}

export interface NodeProxyMode {
  node: string;
  probed: boolean;
  effective: EffectiveMode;
  signals: NodeSignal[];
  backend: BackendVerdict;
  kubeProxy?: KubeProxyInstance;
  /** Differs from the configured mode or from the majority of nodes. */
  differs: boolean;
  /**
   * Dump keys that were collected but could not be read, or that the probe always takes and the snapshot lacks (an
   * `iptables` dump only while some backend's tables are unseen), with the reason and whether it mattered.
   */
  unreadable: UnreadableDump[];
}

/**
 * A dump that was collected but could not be read (a tool missing from the debug image, kube-proxy's
 * metrics endpoint unreachable, an unparsable dump), judged against the node's answer.
 */
export interface UnreadableDump {
  dump: string;
  /** The command and why it failed (or why the output could not be read). */
  reason: string;
  /** Why alone: the command's first stderr line, or the decode/parse error. */
  cause: string;
  /**
   * `info`: other evidence decides the node's mode and this dump could not have changed it (a note);
   * `warning`: it could have decided or changed the answer (a `dump-unreadable` finding says what to do).
   */
  severity: 'info' | 'warning';
  /** What decided instead, or what this dump could have shown. */
  impact: string;
}

type FindingCode =
  | 'configured-effective-mismatch'
  | 'nodes-disagree'
  | 'ipvs-not-active'
  | 'mixed-rulesets'
  | 'mixed-backends'
  | 'no-service-proxy'
  | 'double-proxy'
  | 'ipvs-deprecated'
  | 'nftables-too-old'
  | 'flag-ignored'
  | 'config-sources-disagree'
  | 'unrecognised-mode'
  | 'nodes-not-probed'
  | 'ambiguous-node'
  | 'dump-unreadable'
  | 'malformed-object';

export interface Finding extends FindingOf<FindingCode> {
  /** The objects/dumps/rules that make it true. */
  evidence: string[];
  /** Commands or actions to take next. */
  nextSteps: string[];
  node?: string;
}

export interface ProxyModeReport {
  kind: 'ProxyModeReport';
  serverVersion?: string;
  configured: ConfiguredMode;
  nodes: NodeProxyMode[];
  findings: Finding[];
  /** The verdict line, derived from `nodes` and `findings` (agreement.ts). */
  agreement: Agreement;
}

/**
 * `agree`: every node's mode was established and matches; `partial`: those established match, others were not checked;
 * `differ`: a finding says where configuration and dataplane (or nodes) differ; `unchecked`: no node's dataplane was read.
 */
export interface Agreement {
  /** `unconfigured`: nodes were checked, but the configuration they should run is unknown (nothing to hold them to). */
  kind: 'agree' | 'partial' | 'differ' | 'unchecked' | 'unconfigured';
  /** Nodes whose effective mode was established from their dumps. */
  checked: string[];
  /** Nodes whose mode is unknown or ambiguous, with why. */
  unchecked: { node: string; why: string }[];
  /** Nodes a difference is reported for. */
  differing: string[];
  summary: string;
}

/** What the findings read: the snapshot, the configured mode, every node's evidence. */
export interface FindingInput {
  snapshot: Snapshot;
  configured: ConfiguredMode;
  nodes: NodeProxyMode[];
  serverVersion?: string;
  /** The mode each node is expected to run (its static pod's flag, else the cluster's). */
  expected: (node: string) => ProxyMode | undefined;
}
