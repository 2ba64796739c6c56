/**
 * Dumps that could not be read, judged against what the node's other evidence decides: a missing
 * optional source (ipvsadm not in the debug image, kube-proxy's metrics port unreachable) is only a
 * note when another signal settles the mode, and a warning with a next step when it could have
 * decided or changed the answer.
 */
import { WITNESSES } from './effective.js';
import { checkStep } from './findings-nodes.js';
import type { EffectiveMode, Finding, NodeProxyMode, NodeSignal, UnreadableDump } from './types.js';

type Raw = { dump: string; reason: string; cause: string };

/** What else the node's dumps showed: its signals and the keys that were read. */
export interface ReadEvidence {
  signals: NodeSignal[];
  read: string[];
}

/** The mode whose rules a dump could show (`proxyMode` shows kube-proxy's own answer). */
const witnessOf = (dump: string): string | undefined => Object.entries(WITNESSES).find(([, keys]) => keys.includes(dump))?.[0];

/**
 * IPVS mode needs two of kube-ipvs0, IPVS virtual servers and KUBE-* ipset rules (effective.ts):
 * when the other dump and an iptables dump were read and show neither, a missing `ipvs` or `link`
 * dump cannot make the node IPVS.
 */
function ipvsRuledOut(dump: string, e: ReadEvidence): boolean {
  const other = dump === 'ipvs' ? 'link' : dump === 'link' ? 'ipvs' : undefined;
  if (!other || !e.read.includes(other) || !e.read.some((k) => WITNESSES.iptables?.includes(k))) return false;
  const otherSeen = e.signals.some((s) => s.kind === (other === 'link' ? 'ipvs-link' : 'ipvs-services'));
  const setsSeen = e.signals.some((s) => s.kind === 'iptables-services' && s.ipvsSetRules > 0);
  return !otherSeen && !setsSeen;
}

/** Whether a dump the node could not read mattered for its answer, and why. */
export function judgeUnreadable(u: Raw, eff: EffectiveMode, e: ReadEvidence): UnreadableDump {
  const note = (impact: string): UnreadableDump => ({ ...u, severity: 'info', impact });
  const warn = (impact: string): UnreadableDump => ({ ...u, severity: 'warning', impact });
  if (eff.kind === 'known' && eff.basis === 'endpoint') return note(`not needed: kube-proxy's /proxyMode answer decides (${eff.mode})`);
  if (ipvsRuledOut(u.dump, e)) {
    const other = u.dump === 'ipvs' ? 'no kube-ipvs0 link' : 'no IPVS virtual servers';
    return note(`not needed: IPVS mode needs two of kube-ipvs0, IPVS virtual servers and KUBE-* ipset rules, and the dumps read show ${other} and no ipset rules`);
  }
  switch (eff.kind) {
    case 'unknown':
      return warn("could have decided the node's mode, which is unknown without it");
    case 'ambiguous':
      return u.dump === 'proxyMode'
        ? warn(`kube-proxy's own answer would settle ${eff.candidates.join(' vs ')}`)
        : note(`not needed to settle ${eff.candidates.join(' vs ')} (kube-proxy's /proxyMode answer would)`);
    case 'none':
      return note('not needed: no proxy mode has service rules in the dumps that were read');
    case 'known': {
      const could = witnessOf(u.dump);
      if (could && eff.missing.includes(could)) {
        return warn(`${eff.mode} is decided by ${eff.summary}, but ${could}-mode rules could not be looked for: leftovers or a second populated mode would go unseen`);
      }
      return note(`not needed: ${eff.mode} is decided by ${eff.summary}`);
    }
  }
}

/** What to run when a dump that mattered could not be read. */
function nextSteps(n: NodeProxyMode, dump: string): string[] {
  const on = `on node ${n.node}:`;
  switch (dump) {
    case 'proxyMode':
      return [...checkStep(n), "if kube-proxy's metricsBindAddress is not 127.0.0.1:10249, ask it there"];
    case 'ipvs':
      return [`${on} ipvsadm -Ln`, 'collect with an image that has ipvsadm (--image), or with --host-binaries'];
    case 'link':
      return [`${on} ip -d link show kube-ipvs0`];
    case 'nft':
      return [`${on} nft list table ip kube-proxy`];
    default:
      return [`${on} ${dump === 'iptables-legacy' ? 'iptables-legacy-save' : dump === 'ip6tables' ? 'ip6tables-save' : 'iptables-save'} -t nat | grep KUBE-SERVICES`];
  }
}

/** One `dump-unreadable` warning per node whose unreadable dumps could have decided its answer. */
export function unreadableFindings(n: NodeProxyMode): Finding[] {
  const bad = n.unreadable.filter((u) => u.severity === 'warning');
  if (bad.length === 0) return [];
  return [
    {
      code: 'dump-unreadable',
      severity: 'warning',
      node: n.node,
      message: `${n.node}: could not read ${bad.map((u) => `${u.dump} (${u.cause})`).join(', ')} — ${[...new Set(bad.map((u) => u.impact))].join('; ')}`,
      evidence: bad.map((u) => `${u.dump}: ${u.reason}`),
      nextSteps: [...new Set(bad.flatMap((u) => nextSteps(n, u.dump)))],
    },
  ];
}
