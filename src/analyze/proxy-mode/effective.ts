/**
 * A node's effective mode, weighed from all its signals: kube-proxy's own /proxyMode answer first,
 * then dataplane state in which one mode is populated with services. Leftovers from a former mode
 * (an empty KUBE-SERVICES, a kube-proxy nft table without services) never decide on their own.
 */
import { isProxyMode } from './modes.js';
import { hasKubeletCanary, type NodeDumps } from './node-signals.js';
import type { BackendVerdict, EffectiveMode, IptablesBackend, NodeSignal, ProxyMode } from './types.js';

type Of<K extends NodeSignal['kind']> = Extract<NodeSignal, { kind: K }>;
const signalsOf = <K extends NodeSignal['kind']>(signals: NodeSignal[], kind: K): Of<K>[] => signals.filter((s): s is Of<K> => s.kind === kind);

/** Modes whose rules hold services on this node (a populated ruleset, not a skeleton). */
function activeModes(signals: NodeSignal[]): ProxyMode[] {
  const modes: ProxyMode[] = [];
  const ipt = signalsOf(signals, 'iptables-services');
  if (ipt.some((s) => s.serviceRules > 0)) modes.push('iptables');
  if (signalsOf(signals, 'nft-table').some((s) => s.serviceElements > 0 || s.serviceChains > 0)) modes.push('nftables');
  const ipvsLink = signalsOf(signals, 'ipvs-link').length > 0;
  const ipvsServices = signalsOf(signals, 'ipvs-services').length > 0;
  const ipvsSets = ipt.some((s) => s.ipvsSetRules > 0);
  // Two of three: virtual servers alone could be keepalived/LVS; kube-ipvs0 alone could be a leftover.
  if ([ipvsLink, ipvsServices, ipvsSets].filter(Boolean).length >= 2) modes.push('ipvs');
  return modes;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** One line per signal for the evidence column: `KUBE-SERVICES in iptables nat (nf_tables)`. */
export function describeSignal(s: NodeSignal): string {
  switch (s.kind) {
    case 'proxy-mode-endpoint':
      return `kube-proxy :10249/proxyMode says "${s.value}"`;
    case 'iptables-services': {
      const what = s.serviceRules > 0 ? plural(s.serviceRules, 'service rule') : s.ipvsSetRules > 0 ? `${plural(s.ipvsSetRules, 'ipset rule')} (IPVS mode)` : 'no service rules';
      return `KUBE-SERVICES in ${s.family === 'ip6' ? 'ip6tables' : 'iptables'} nat (${s.backend}): ${what}`;
    }
    case 'nft-table':
      return `table ${s.family} kube-proxy (${s.rules} rules, ${s.serviceElements} service-ips elements)`;
    case 'ipvs-link':
      return 'kube-ipvs0 dummy link';
    case 'ipvs-services':
      return `${s.services} IPVS virtual servers`;
  }
}

/** Dumps that could show each mode; missing ones make a dataplane answer partial. */
export const WITNESSES: Record<string, string[]> = { iptables: ['iptables', 'iptables-nft', 'iptables-legacy'], nftables: ['nft'], ipvs: ['ipvs', 'link'] };

export function effectiveMode(d: NodeDumps, probed: boolean): EffectiveMode {
  if (!probed) return { kind: 'unknown', reason: 'node not probed' };
  const endpoint = signalsOf(d.signals, 'proxy-mode-endpoint')[0];
  const missing = Object.entries(WITNESSES)
    .filter(([mode, keys]) => (mode === 'iptables' ? !(d.backendsSeen.includes('nf_tables') && d.backendsSeen.includes('legacy')) : !keys.some((k) => d.read.includes(k))))
    .map(([mode]) => mode);
  if (endpoint && isProxyMode(endpoint.value)) {
    return { kind: 'known', mode: endpoint.value, basis: 'endpoint', summary: describeSignal(endpoint), missing: [] };
  }
  const active = activeModes(d.signals);
  const [only] = active;
  if (active.length === 1 && only) {
    const main = d.signals.find((s) => modeOfSignal(s) === only && isPopulated(s));
    return { kind: 'known', mode: only, basis: 'dataplane', summary: main ? describeSignal(main) : only, missing: missing.filter((m) => m !== only) };
  }
  if (active.length > 1) return { kind: 'ambiguous', candidates: active, summary: `service rules of ${active.join(' and ')} modes are both populated` };
  if (missing.length === 0) return { kind: 'none', summary: 'no kube-proxy service rules in iptables, nft or IPVS' };
  const unread = d.unreadable.map((u) => u.dump);
  const notRead = [...new Set([...missing.flatMap((m) => WITNESSES[m] ?? []), ...unread])].filter((k) => !d.read.includes(k));
  return { kind: 'unknown', reason: `no kube-proxy service rules in what was read; not collected or unreadable: ${notRead.join(', ')}` };
}

export function modeOfSignal(s: NodeSignal): ProxyMode | undefined {
  switch (s.kind) {
    case 'iptables-services':
      return s.ipvsSetRules > 0 && s.serviceRules === 0 ? 'ipvs' : 'iptables';
    case 'nft-table':
      return 'nftables';
    case 'ipvs-link':
    case 'ipvs-services':
      return 'ipvs';
    case 'proxy-mode-endpoint':
      return isProxyMode(s.value) ? s.value : undefined;
  }
}

export function isPopulated(s: NodeSignal): boolean {
  if (s.kind === 'iptables-services') return s.serviceRules > 0 || s.ipvsSetRules > 0;
  if (s.kind === 'nft-table') return s.serviceElements > 0 || s.serviceChains > 0;
  return true;
}

/**
 * The iptables backend, the way iptables-wrappers decides it: kubelet's canary chain in the nft
 * mangle table first, then in legacy; failing that, the backend that holds KUBE-SERVICES.
 */
export function backendVerdict(d: NodeDumps, eff: EffectiveMode): BackendVerdict {
  if (eff.kind === 'known' && eff.mode === 'nftables') {
    // kube-proxy writes no iptables rules, but the kubelet, the CNI and a policy engine still may: say which backend they use.
    const node = iptablesBackend(d);
    return { backend: 'not-applicable', evidence: `nftables mode does not use iptables; the node's iptables backend (for the kubelet, CNI, policy engines): ${node.backend} (${node.evidence})`, node };
  }
  return iptablesBackend(d);
}

function iptablesBackend(d: NodeDumps): { backend: IptablesBackend; evidence: string } {
  const views = (b: string) => d.iptables.filter((v) => v.backend === b);
  for (const b of ['nf_tables', 'legacy'] as const) {
    for (const v of views(b)) {
      const canary = hasKubeletCanary(v.tables);
      if (canary) return { backend: b, evidence: `kubelet's ${canary} in mangle of dump ${v.dump}` };
    }
  }
  const holders = [...new Set(signalsOf(d.signals, 'iptables-services').filter((s) => s.backend !== 'unknown').map((s) => s.backend))];
  const [holder] = holders;
  if (holders.length === 1 && holder) return { backend: holder, evidence: `KUBE-SERVICES only in the ${holder} dump (no kubelet canary chain found)` };
  if (d.iptables.length === 0) return { backend: 'unknown', evidence: 'no iptables dump' };
  return { backend: 'unknown', evidence: holders.length > 1 ? 'KUBE-SERVICES in both backends and no kubelet canary chain' : 'no kubelet canary chain and no KUBE-SERVICES in any backend' };
}
