/**
 * Every service in the corpus kube-proxy rulesets, traced from a pod: no branch may end "uncertain"
 * (an unmodelled kube-proxy construct). Endpoints live outside the test topology, so delivered paths
 * end insufficient-info at the default gateway; what matters is that the rules were understood.
 */
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../src/parse/netfilter/nft-json.js';
import type { MapElement, Ruleset } from '../../src/model/netfilter.js';
import { makeWorld, newPacket, simulate, type Branch } from '../../src/sim/index.js';
import { podIngress } from '../../src/analyze/trace/ingress.js';
import { readCorpus } from '../support/corpus.js';
import { flannelNode, NODE_A, NODE_B, podsOf } from './topology.js';

interface Svc {
  name: string;
  ip: string;
  proto: 'tcp' | 'udp' | 'sctp';
  port: number;
}

function trace(ruleset: Ruleset, s: Svc): Branch[] {
  const node = flannelNode({ ...NODE_A, ruleset }, [NODE_B]);
  const world = makeWorld([node], podsOf(NODE_A), { 'node-a': [NODE_A.ip] });
  const ing = podIngress(node, '10.244.0.5', s.ip);
  if (!ing.ok) throw new Error(ing.reason);
  return simulate(world, newPacket({ proto: s.proto, saddr: '10.244.0.5', daddr: s.ip, dport: s.port, sport: 40000 }), ing.start);
}

/**
 * kube-proxy's restore input has no base chains: the jumps into its chains are added separately
 * (EnsureRule for iptablesJumpChains in pkg/proxy/iptables/proxier.go). Add them as a node has them.
 */
const JUMPS: Record<string, [string, string[]]> = {
  nat: ['PREROUTING OUTPUT POSTROUTING', ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING']],
  filter: [
    'INPUT FORWARD OUTPUT',
    [
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ],
  ],
};

export function withKubeProxyJumps(text: string): string {
  if (/^-A PREROUTING .*-j KUBE-SERVICES/m.test(text)) return text;
  const out: string[] = [];
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      out.push(line);
      const j = JUMPS[table];
      if (j) for (const c of j[0].split(' ')) if (!new RegExp(`^:${c} `, 'm').test(text.split(`*${table}`)[1]?.split('COMMIT')[0] ?? '')) out.push(`:${c} ACCEPT [0:0]`);
      continue;
    }
    if (line.trim() === 'COMMIT' && JUMPS[table]) out.push(...JUMPS[table]![1]);
    out.push(line);
  }
  return out.join('\n');
}

function iptablesServices(rs: Ruleset): Svc[] {
  const chain = rs.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === 'KUBE-SERVICES');
  const out: Svc[] = [];
  for (const r of [...(chain?.rules ?? []), ...(rs.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'KUBE-SERVICES')?.rules ?? [])]) {
    const d = /-d (\d+\.\d+\.\d+\.\d+)(?:\/32)?/.exec(r.text);
    const p = /-p (tcp|udp|sctp)/.exec(r.text);
    const port = /--dport (\d+)/.exec(r.text);
    if (d && p && port) out.push({ name: r.comment ?? r.text, ip: d[1]!, proto: p[1] as Svc['proto'], port: Number(port[1]) });
  }
  return out;
}

function nftServices(rs: Ruleset): Svc[] {
  const out: Svc[] = [];
  for (const t of rs.tables.filter((x) => x.name === 'kube-proxy')) {
    for (const set of t.sets.filter((s) => s.name === 'service-ips' || s.name === 'no-endpoint-services')) {
      for (const el of set.elements as MapElement[]) {
        if (el.key.kind !== 'concat') continue;
        const [a, pr, po] = el.key.parts;
        if (a?.kind !== 'addr' || !pr || po?.kind !== 'int') continue;
        const proto = ('value' in pr ? String(pr.value) : '') as Svc['proto'];
        out.push({ name: el.comment ?? `${a.value}:${po.value}`, ip: a.value, proto, port: po.value });
      }
    }
  }
  return out;
}

const cases: [string, () => Ruleset, (rs: Ruleset) => Svc[]][] = [
  ['iptables: k8s-proxier-test-TestOverallIPTablesRules', () => parseIptablesSave(withKubeProxyJumps(readCorpus('iptables', 'k8s-proxier-test-TestOverallIPTablesRules.rules')), { source: 'corpus', family: 'ip', origin: 'iptables-nft' }), iptablesServices],
  ['iptables: kernel re-dump of TestOverallIPTablesRules', () => parseIptablesSave(withKubeProxyJumps(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules')), { source: 'corpus', family: 'ip', origin: 'iptables-nft' }), iptablesServices],
  ['nftables: k3s kube-proxy (kernel JSON)', () => parseNftJson(readCorpus('kernel-redump', 'k3s-kube-proxy-nftables.nft.json'), { source: 'corpus' }), nftServices],
];

describe('corpus kube-proxy rulesets: every service traced without an uncertain branch', () => {
  for (const [name, load, services] of cases) {
    it(name, () => {
      const rs = load();
      const svcs = services(rs);
      expect(svcs.length).toBeGreaterThan(3);
      const problems: string[] = [];
      let dnat = 0;
      for (const s of svcs) {
        const branches = trace(rs, s);
        if (branches.some((b) => b.hops.some((h) => h.steps.some((x) => x.kind === 'nat' && x.verdict === 'dnat')))) dnat++;
        const sum = branches.reduce((x, b) => x + b.probability, 0);
        if (Math.abs(sum - 1) > 1e-9) problems.push(`${s.name}: odds sum to ${sum}`);
        for (const b of branches) if (b.disposition === 'uncertain') problems.push(`${s.name}: ${b.reason}`);
      }
      console.log(`${name}: ${svcs.length} service ports traced, ${problems.length} problems`);
      expect(problems).toEqual([]);
      // The rules were really followed: most service ports end in a DNAT to an endpoint.
      expect(dnat).toBeGreaterThan(svcs.length / 2);
    });
  }
});
