/**
 * Who could enforce NetworkPolicy, by the marks each engine leaves: its DaemonSet (name, containers,
 * flags) and its netfilter chains/tables on the nodes. Kept as data so a new engine is one entry.
 */

export type Engine = 'calico' | 'cilium' | 'antrea' | 'kube-router' | 'weave' | 'kube-network-policies' | 'aws-network-policy-agent' | 'flannel';

/** Engines that enforce NetworkPolicy when running (flannel never does). */
export const ENFORCING: ReadonlySet<Engine> = new Set(['calico', 'cilium', 'antrea', 'kube-router', 'weave', 'kube-network-policies', 'aws-network-policy-agent']);

export interface NodeSignature {
  engine: Engine;
  /** Chain-name prefixes that prove the engine runs on the node. */
  chains: RegExp;
  /** nft table names it owns. */
  tables?: RegExp;
  /**
   * Chains that carry per-policy or per-workload filtering (where a drop can come from). Absent when the
   * engine filters outside netfilter (Cilium: eBPF; Antrea: Open vSwitch flows).
   */
  policyChains?: RegExp;
  /** Said when policyChains is absent. */
  elsewhere?: string;
  /**
   * Policies of the engine's own, beyond NetworkPolicy, that its chains also enforce (Calico's
   * GlobalNetworkPolicy …). Absent: the engine enforces NetworkPolicy objects only (kube-router).
   */
  ownPolicies?: string;
}

export const NODE_SIGNATURES: NodeSignature[] = [
  // Calico iptables: cali-tw-/cali-fw- per workload interface, cali-pi-/cali-po- per policy; nft mode: table calico.
  { engine: 'calico', chains: /^cali-/, tables: /^calico/, policyChains: /^cali-(pi|po|tw|fw|pri|pro)-/, ownPolicies: 'Calico NetworkPolicy and GlobalNetworkPolicy' },
  { engine: 'cilium', chains: /^(CILIUM_|OLD_CILIUM_)/, tables: /^cilium/, elsewhere: 'Cilium enforces policy in eBPF programs, not in netfilter: a drop there does not show in these dumps' },
  { engine: 'kube-router', chains: /^(KUBE-ROUTER-|KUBE-NWPLCY-|KUBE-POD-FW-)/, policyChains: /^(KUBE-NWPLCY-|KUBE-POD-FW-)/ },
  { engine: 'antrea', chains: /^ANTREA-/, tables: /^antrea/, elsewhere: 'Antrea enforces policy in Open vSwitch flows, not in netfilter' },
  { engine: 'weave', chains: /^WEAVE-NPC/, policyChains: /^WEAVE-NPC-(INGRESS|EGRESS|DEFAULT)/ },
  { engine: 'kube-network-policies', chains: /^$/, tables: /^kube-network-policies$/, policyChains: /./, ownPolicies: 'AdminNetworkPolicy and BaselineAdminNetworkPolicy' },
  { engine: 'flannel', chains: /^FLANNEL-/, tables: /^flannel/ },
];

/** How a DaemonSet reveals an engine: by its name or a container's name, and whether it enforces. */
export interface DaemonSetView {
  name: string;
  namespace: string;
  containers: { name: string; image?: string; args: string[]; env: Record<string, string> }[];
}

export interface DaemonSetFinding {
  engine: Engine;
  enforces: boolean;
  evidence: string;
}

export function engineOfDaemonSet(ds: DaemonSetView): DaemonSetFinding[] {
  const where = `DaemonSet ${ds.namespace}/${ds.name}`;
  const has = (c: string) => ds.containers.find((x) => x.name === c);
  const out: DaemonSetFinding[] = [];
  if (ds.name === 'calico-node' || has('calico-node')) out.push({ engine: 'calico', enforces: true, evidence: `${where} (calico-node)` });
  if (ds.name === 'cilium' || has('cilium-agent')) out.push({ engine: 'cilium', enforces: true, evidence: `${where} (cilium-agent)` });
  if (ds.name === 'antrea-agent' || has('antrea-agent')) out.push({ engine: 'antrea', enforces: true, evidence: `${where} (antrea-agent)` });
  if (ds.name === 'kube-network-policies' || has('kube-network-policies')) out.push({ engine: 'kube-network-policies', enforces: true, evidence: where });
  const kr = has('kube-router') ?? (ds.name === 'kube-router' ? ds.containers[0] : undefined);
  if (kr) {
    // kube-router's firewall (its NetworkPolicy controller) is on unless --run-firewall=false.
    const off = kr.args.some((a) => /^--run-firewall(=|\s+)false$/.test(a));
    out.push({ engine: 'kube-router', enforces: !off, evidence: `${where}${off ? ' with --run-firewall=false' : ''}` });
  }
  if (ds.name === 'weave-net' || has('weave')) {
    const npc = has('weave-npc');
    out.push({ engine: 'weave', enforces: npc !== undefined, evidence: `${where}${npc ? ' (weave-npc)' : ' without the weave-npc container'}` });
  }
  const agent = has('aws-network-policy-agent');
  if (agent) {
    // The agent's --enable-network-policy defaults to false: present but off unless set.
    const on = agent.args.some((a) => /^--enable-network-policy(=|\s+)true$/.test(a)) || agent.env['ENABLE_NETWORK_POLICY'] === 'true';
    out.push({ engine: 'aws-network-policy-agent', enforces: on, evidence: `${where} container aws-network-policy-agent${on ? ' with --enable-network-policy=true' : ' without --enable-network-policy=true (off by default)'}` });
  }
  if (/flannel/.test(ds.name) || has('kube-flannel')) out.push({ engine: 'flannel', enforces: false, evidence: where });
  return out;
}
