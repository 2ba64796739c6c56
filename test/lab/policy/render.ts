/**
 * NetworkPolicies rendered as plain iptables (filter FORWARD), the simplest shape a CNI could use: per
 * isolated pod a chain that RETURNs what a rule allows and DROPs the rest; egress chains match the
 * source pod, ingress chains the destination pod; replies pass by conntrack. Selectors are expanded to
 * the lab's pod IPs and named ports to each destination pod's number, as Calico does with ipsets.
 * The same rules go on every node (a routed path crosses FORWARD on both).
 */
import type { V1NetworkPolicyPeer, V1NetworkPolicyPort } from '@kubernetes/client-node';
import type { V1NetworkPolicy, V1Pod } from '../../../src/model/k8s.js';
import { matchSelector, type LabelSelector } from '../../../src/analyze/policy/selector.js';
import { namedPort } from '../../../src/analyze/policy/ports.js';
import { NAMESPACE_NAME_LABEL, policyTypes } from '../../../src/analyze/policy/world.js';

type Dir = 'ingress' | 'egress';
const podIP = (p: V1Pod): string => p.status!.podIP!;
const nsOf = (p: V1Pod | V1NetworkPolicy): string => p.metadata?.namespace ?? 'default';

export function renderPolicyIptables(policies: V1NetworkPolicy[], pods: V1Pod[]): string {
  const lines = ['*filter', ':NETX-POLICY - [0:0]'];
  const rules = ['-A NETX-POLICY -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN'];
  pods.filter((p) => !p.spec?.hostNetwork && p.status?.podIP).forEach((pod, i) => {
    for (const dir of ['egress', 'ingress'] as Dir[]) {
      const selecting = policies.filter((np) => nsOf(np) === nsOf(pod) && policyTypes(np).includes(dir) && selects(np.spec?.podSelector as LabelSelector | undefined, pod));
      if (selecting.length === 0) continue;
      const chain = `NETX-${dir === 'ingress' ? 'IN' : 'OUT'}-${i}`;
      lines.push(`:${chain} - [0:0]`);
      rules.push(`-A NETX-POLICY ${dir === 'ingress' ? '-d' : '-s'} ${podIP(pod)}/32 -j ${chain}`);
      for (const np of selecting) {
        const list = (dir === 'ingress' ? np.spec?.ingress : np.spec?.egress) ?? [];
        for (const rule of list) {
          const peers = dir === 'ingress' ? (rule as { from?: V1NetworkPolicyPeer[] }).from : (rule as { to?: V1NetworkPolicyPeer[] }).to;
          const remote = peerMatches(peers, np, pods, dir === 'egress' ? 'd' : 's');
          // Ports are resolved on the destination: the selected pod for ingress, each peer pod for egress.
          for (const r of remote) {
            const dest = dir === 'ingress' ? pod : r.pod;
            for (const pm of portMatches(rule.ports, dest)) rules.push(`-A ${chain} ${r.match}${pm} -j RETURN`.replace(/ +/g, ' '));
          }
        }
      }
      rules.push(`-A ${chain} -j DROP`);
    }
  });
  return [...lines, ...rules, 'COMMIT', ''].join('\n');
}

function selects(sel: LabelSelector | undefined, pod: V1Pod): boolean {
  return matchSelector(sel ?? {}, { labels: pod.metadata?.labels ?? {}, known: 'all' }).match === 'yes';
}

/** Address matches for a rule's peers (`-s`/`-d`), each with the pod it stands for (undefined: a CIDR or anything). */
function peerMatches(peers: V1NetworkPolicyPeer[] | undefined, np: V1NetworkPolicy, pods: V1Pod[], flag: 's' | 'd'): { match: string; pod?: V1Pod }[] {
  if (!peers || peers.length === 0) return [{ match: '' }, ...pods.map((p) => ({ match: `-${flag} ${podIP(p)}/32`, pod: p }))];
  const out: { match: string; pod?: V1Pod }[] = [];
  for (const peer of peers) {
    if (peer.ipBlock) {
      if (peer.ipBlock.except?.length) throw new Error('lab renderer: ipBlock except not rendered');
      out.push({ match: `-${flag} ${peer.ipBlock.cidr}` });
      continue;
    }
    for (const p of pods) {
      const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector as LabelSelector, { metadata: { labels: { [NAMESPACE_NAME_LABEL]: nsOf(p) } } } as V1Pod) : nsOf(p) === nsOf(np);
      if (nsOk && (!peer.podSelector || selects(peer.podSelector as LabelSelector, p))) out.push({ match: `-${flag} ${podIP(p)}/32`, pod: p });
    }
  }
  return out;
}

/** `-p tcp --dport N[:M]` per port entry; a named port only where `dest` (a pod) defines it. */
function portMatches(ports: V1NetworkPolicyPort[] | undefined, dest: V1Pod | undefined): string[] {
  if (!ports || ports.length === 0) return [''];
  const out: string[] = [];
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    if (p.port === undefined) out.push(` -p ${proto}`);
    else if (typeof p.port === 'number') out.push(` -p ${proto} --dport ${p.port}${p.endPort ? `:${p.endPort}` : ''}`);
    else if (dest) {
      const n = namedPort({ kind: 'pod', pod: dest, name: '', namespace: '', ip: '' }, p.port, proto);
      if (n !== undefined) out.push(` -p ${proto} --dport ${n}`);
    }
  }
  return out;
}
