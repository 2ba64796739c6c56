/**
 * When the two sources of truth disagree: NetworkPolicy (the API) denies a flow that an enforcing engine should stop,
 * and the node dumps (the dataplane) deliver it. Neither can be checked against the other from a snapshot — an engine
 * may enforce outside netfilter (eBPF, Open vSwitch), may not have programmed the policy yet, or the policy may not
 * select what its author thinks — so the answer is `uncertain`, in `trace` and in `policy` alike, and one finding
 * tells the whole story: what the dumps show, what the policy says, and the likely causes with what to check.
 */
import type { Finding } from '../../sim/trace.js';
import type { Enforcement } from './enforcement.js';
import type { Engine } from './engines.js';
import type { PolicyVerdict } from './types.js';

/** A denial an engine should enforce, against a dataplane that delivers: the sources disagree. */
export function disagrees(v: PolicyVerdict, e: Enforcement, delivered: boolean): boolean {
  return delivered && v.kind === 'denied' && e.kind === 'enforcing';
}

/** The isolating policies a denial names (both sides). */
export function denyingPolicies(v: PolicyVerdict): string[] {
  return [...new Set([...(v.egress.kind === 'denied' ? v.egress.selectedBy : []), ...(v.ingress.kind === 'denied' ? v.ingress.selectedBy : [])])];
}

export interface Disagreement {
  /** The denied flows the dumps deliver. */
  verdicts: PolicyVerdict[];
  /** Nodes the delivered paths cross (or the flows' nodes, when no path was walked). */
  nodes: string[];
  /** How many of how many paths (trace) or flows (policy) disagree. */
  count: number;
  of: number;
  unit: 'path' | 'flow';
}

export function disagreementFinding(d: Disagreement, e: Enforcement): Finding {
  const policies = [...new Set(d.verdicts.flatMap(denyingPolicies))];
  const first = d.verdicts[0]!;
  const flow = `${first.flow.source.name ?? first.flow.source.ip} → ${first.flow.destination.name ?? first.flow.destination.ip}:${first.flow.port}/${first.flow.protocol.toUpperCase()}`;
  const chains = e.policyChains.filter((c) => d.nodes.includes(c.node) && e.engines.includes(c.engine));
  const dumps = chains.length
    ? `dumps: ${chains.map((c) => `${c.engine} has ${c.chains.length} policy chain(s) on ${c.node}`).join('; ')}, yet none of them stops this flow`
    : `dumps: no policy chain of ${e.engines.join(', ')} on ${d.nodes.join(', ') || 'the path'}; the walk through their rules delivers the packet`;
  const misses = [...new Set(d.verdicts.flatMap((v) => [...v.egress.misses, ...v.ingress.misses]).map((m) => `policy: ${m.policy} ${m.direction} rule ${m.rule}: ${m.reason}`))];
  return {
    code: 'policy-dataplane-disagree',
    severity: 'warning',
    message:
      `the dataplane and NetworkPolicy disagree on ${d.count} of ${d.of} ${d.unit}(s): the node dumps deliver ${flow}, but NetworkPolicy ${policies.join(', ')} denies it (${e.summary})` +
      ' — uncertain: which one the kernel follows cannot be told from the snapshot',
    evidence: [dumps, `policy: ${first.reason.replace(/^denied: /, '')}`, ...misses.slice(0, 4), ...e.evidence.filter((x) => x.enforces).map((x) => `engine: ${x.evidence}`).slice(0, 3), ...likelyCauses(e.engines, d.nodes, chains.length > 0)],
    // Each command points at the other half of the story.
    hint: `kubectl netx ${d.unit === 'path' ? 'policy' : 'trace'} ${first.flow.source.name ?? first.flow.source.ip} ${first.flow.destination.name ?? first.flow.destination.ip}:${first.flow.port}${d.unit === 'flow' ? ' -v' : ''}`,
  };
}

/** What could make an enforcing engine and the dumps tell different stories, most likely first, each with a check. */
function likelyCauses(engines: Engine[], nodes: string[], chainsOnPath: boolean): string[] {
  const on = nodes.length ? ` on ${nodes.join(', ')}` : '';
  const out: string[] = [];
  for (const engine of engines) {
    const outside = OUTSIDE_NETFILTER[engine];
    if (outside) out.push(`likely cause: ${outside}`);
  }
  out.push(
    chainsOnPath
      ? `likely cause: the engine has not programmed this policy yet, or is out of sync — check its agent pods${on} and their logs`
      : `likely cause: the engine's agent is not running or not yet programmed${on} — check its pods there (kubectl get pods -A -o wide --field-selector spec.nodeName=NODE)`,
    'likely cause: the policy does not select what you think (pod and namespace labels, policyTypes, named ports) — the policy verdict above lists each rule and why it does not match',
  );
  return out;
}

/** Engines that can (or always) enforce outside netfilter, where the dumps cannot show their drops. */
const OUTSIDE_NETFILTER: Partial<Record<Engine, string>> = {
  calico: 'Calico may run its eBPF dataplane, which enforces outside netfilter (kubectl get felixconfiguration default -o yaml | grep bpfEnabled)',
  cilium: 'Cilium enforces policy in eBPF programs, invisible in netfilter dumps (cilium monitor --type drop, or hubble observe --verdict DROPPED)',
  antrea: 'Antrea enforces policy in Open vSwitch flows, invisible in netfilter dumps (antctl get networkpolicy; ovs-ofctl dump-flows br-int)',
  'aws-network-policy-agent': 'the AWS network policy agent enforces in eBPF, invisible in netfilter dumps',
};
