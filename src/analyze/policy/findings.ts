/** Findings that join the verdicts with what enforces them (or does not). */
import type { Finding } from '../../sim/trace.js';
import type { Enforcement } from './enforcement.js';
import type { PolicyVerdict } from './types.js';
import { NODE_SIGNATURES } from './engines.js';

export interface FindingInput {
  verdicts: PolicyVerdict[];
  enforcement: Enforcement;
  /** How many NetworkPolicies the snapshot holds (all namespaces collected). */
  policyCount: number;
  /** Nodes the flows touch (source and destination nodes). */
  nodes: string[];
  /** Service ports without endpoints. */
  empty: string[];
  service?: string;
  /**
   * Whether the flows were walked through the node dumps (`trace`): an engine's chains on the path
   * then show what they do, and no finding needs to guess. Otherwise the command that walks them.
   */
  walked?: boolean;
  traceCommand?: string;
}

export function policyFindings(x: FindingInput): Finding[] {
  const out: Finding[] = [];
  const e = x.enforcement;
  const blocked = x.verdicts.filter((v) => v.kind !== 'allowed');
  const flannel = e.evidence.filter((ev) => ev.engine === 'flannel');
  if (blocked.length && e.kind === 'not-enforcing') {
    out.push({
      code: 'policy-not-enforced',
      severity: 'warning',
      message: `policy ${blocked[0]!.kind === 'denied' ? 'denies' : 'may deny'} this flow, but nothing enforces NetworkPolicy here: the traffic passes`,
      evidence: e.evidence.map((ev) => ev.evidence),
      hint: 'install a NetworkPolicy engine (Calico, Cilium, kube-network-policies, …) or do not rely on these policies',
    });
  } else if (blocked.length && e.kind === 'unknown') {
    out.push({ code: 'policy-enforcement-unknown', severity: 'info', message: 'policy denies this flow; whether a plugin enforces it is unknown (no CNI or policy engine recognised)', evidence: e.gaps });
  }
  if (flannel.length && e.kind === 'not-enforcing' && x.policyCount > 0 && !blocked.length) {
    out.push({ code: 'flannel-only', severity: 'warning', message: `${x.policyCount} NetworkPolicies exist, but flannel alone does not enforce NetworkPolicy`, evidence: flannel.map((f) => f.evidence) });
  }
  const unselected = x.verdicts.some((v) => v.egress.kind === 'unrestricted' && v.ingress.kind === 'unrestricted');
  if (unselected && !x.walked) out.push(...engineChains(x));
  for (const why of e.invisible) out.push({ code: 'policy-outside-netfilter', severity: 'info', message: why });
  for (const port of x.empty) {
    out.push({ code: 'no-endpoints', severity: 'warning', message: `service ${x.service ?? ''} port ${port} has no ready endpoints: no pod to judge a policy for` });
  }
  return out;
}

/**
 * No NetworkPolicy selects the pods, yet an engine's per-workload chains are on their nodes: each
 * engine is named with what its own evidence says it may still do there.
 */
function engineChains(x: FindingInput): Finding[] {
  const e = x.enforcement;
  const onPath = e.policyChains.filter((c) => x.nodes.includes(c.node));
  const chains = onPath.length ? onPath : e.policyChains;
  if (chains.length === 0) return [];
  const engines = [...new Set(chains.map((c) => c.engine))];
  const what = engines.map((engine) => {
    const own = NODE_SIGNATURES.find((s) => s.engine === engine)?.ownPolicies;
    return own ? `${engine} also enforces ${own}, which a drop there can come from` : `${engine} enforces NetworkPolicy objects only, so its chains pass these pods' traffic unless they lag behind the API`;
  });
  return [
    {
      code: 'cni-policy-chains',
      severity: 'info',
      message: `no NetworkPolicy selects these pods, but ${engines.join(', ')} policy chains exist${onPath.length ? ' on their nodes' : ''}: ${what.join('; ')}`,
      evidence: chains.map((c) => `node ${c.node}: ${c.chains.length} chain(s), e.g. ${c.chains.slice(0, 3).join(', ')}`),
      ...(x.traceCommand ? { hint: `walk the packet through those chains: ${x.traceCommand}` } : {}),
    },
  ];
}
