import { describe, expect, it } from 'vitest';
import { renderNftables } from '../lab/kube-proxy/nftables.js';
import type { KubeProxyInput } from '../lab/kube-proxy/types.js';
import { readCorpus } from '../support/corpus.js';
import { upstreamOverallInput } from './upstream-input.js';

/** `nft -f` command text as { rules per chain (ordered), every other command (sorted) }. */
function normalise(text: string): { rules: Record<string, string[]>; other: string[] } {
  const rules: Record<string, string[]> = {};
  const other: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const rule = /^add rule ip kube-proxy (\S+) (.*)$/.exec(line);
    if (rule) (rules[rule[1]!] ??= []).push(rule[2]!);
    else other.push(line);
  }
  return { rules, other: other.sort() };
}

/** Base chains of the older layout in the corpus test vector vs. the 1.33+ layout rendered here. */
const isFilterBase = (s: string): boolean => /\bfilter-(prerouting|input|forward|output)/.test(s);
const withoutFilterBase = (n: ReturnType<typeof normalise>) => ({
  rules: Object.fromEntries(Object.entries(n.rules).filter(([c]) => !isFilterBase(c))),
  other: n.other.filter((l) => !isFilterBase(l)),
});

describe('renderNftables vs upstream TestOverallNFTablesRules', () => {
  it('matches every set, map, element, service/endpoint chain and rule, modulo two documented version changes', () => {
    const corpus = readCorpus('nftables', 'k8s-nftables-proxier-test-TestOverallNFTablesRules.nft')
      // Newer kube-proxy also matches the service port in the off-cluster masquerade rule
      // (`ip daddr X tcp dport P ip saddr != CIDR`, as the real k3s dump shows).
      .replace(/ip daddr (\S+) ip saddr != /g, 'ip daddr $1 tcp dport 80 ip saddr != ');
    const expected = withoutFilterBase(normalise(corpus));
    const actual = withoutFilterBase(normalise(renderNftables(upstreamOverallInput, { replace: false })));
    expect(actual).toEqual(expected);
  });

  it('has the filter base chains, priorities and jumps of a real 1.33+ kube-proxy (k3s dump)', () => {
    const k3s = readCorpus('nftables', 'real-k3s-nftables-mode-nft-list-table-kube-proxy.nft');
    const named: Record<string, number> = { dstnat: -100, srcnat: 100, 'dstnat - 10': -110 };
    const fromDump = [...k3s.matchAll(/chain (\S+) \{\n\s+type (\w+) hook (\w+) priority ([^;]+);[^\n]*\n((?:\s+[^}\s][^\n]*\n)*)\s+\}/g)]
      .map(([, name, type, hook, prio, body]) => ({
        name, type, hook, priority: named[prio!] ?? Number(prio),
        rules: body!.split('\n').map((l) => l.trim()).filter(Boolean),
      }))
      .sort((a, b) => a.name!.localeCompare(b.name!));
    const rendered = renderNftables(upstreamOverallInput);
    const n = normalise(rendered);
    const fromRender = [...rendered.matchAll(/^add chain ip kube-proxy (\S+) \{ type (\w+) hook (\w+) priority (-?\d+) ; \}$/gm)]
      .map(([, name, type, hook, prio]) => ({ name, type, hook, priority: Number(prio), rules: n.rules[name!] ?? [] }))
      .sort((a, b) => a.name!.localeCompare(b.name!));
    expect(fromDump.map((c) => c.name)).toContain('filter-output-post-dnat');
    expect(fromRender).toEqual(fromDump);
  });
});

describe('renderNftables details', () => {
  const base: KubeProxyInput = {
    nodeName: 'n1',
    nodeIPs: ['192.168.0.1'],
    clusterCIDR: '10.244.0.0/16',
    serviceCIDRs: ['10.96.0.0/12'],
    services: [{
      namespace: 'ns', name: 's', type: 'NodePort', clusterIP: '10.96.0.10', sessionAffinitySeconds: 300,
      ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353, nodePort: 30053 }],
      endpoints: [1, 2, 3].map((i) => ({ ip: `10.244.0.${i}`, nodeName: 'n2', ready: true })),
    }],
  };

  it('dispatches with numgen over all endpoints after the affinity checks', () => {
    const { rules } = normalise(renderNftables(base));
    const svc = Object.entries(rules).find(([c]) => /^service-[A-Z2-7]{8}-/.test(c));
    expect(svc?.[0]).toMatch(/^service-[A-Z2-7]{8}-ns\/s\/udp\/dns$/);
    const svcRules = svc?.[1] ?? [];
    expect(svcRules).toHaveLength(5);
    expect(svcRules[0]).toBe('ip daddr 10.96.0.10 udp dport 53 ip saddr != 10.244.0.0/16 jump mark-for-masquerade');
    expect(svcRules.slice(1, 4).every((r) => /^ip saddr @affinity-\S+ goto endpoint-\S+$/.test(r))).toBe(true);
    expect(svcRules[4]).toMatch(/^numgen random mod 3 vmap \{ 0 : goto endpoint-\S+__10\.244\.0\.1\/5353 , 1 : goto \S+ , 2 : goto \S+__10\.244\.0\.3\/5353 \}$/);
  });

  it('writes endpoint chains with hairpin mark, affinity update and dnat', () => {
    const { rules } = normalise(renderNftables(base));
    const ep = Object.entries(rules).find(([c]) => c.endsWith('__10.244.0.2/5353'));
    expect(ep?.[1]).toEqual([
      'ip saddr 10.244.0.2 jump mark-for-masquerade',
      `update @affinity-${ep?.[0].slice('endpoint-'.length)} { ip saddr }`,
      'meta l4proto udp dnat to 10.244.0.2:5353',
    ]);
  });

  it('maps a service without endpoints to reject-chain, with the service name as element comment', () => {
    const text = renderNftables({ ...base, services: [{ ...base.services[0]!, endpoints: [] }] });
    expect(text).toContain('add element ip kube-proxy no-endpoint-services { 10.96.0.10 . udp . 53 comment "ns/s:dns" : goto reject-chain }');
    expect(text).toContain('add element ip kube-proxy no-endpoint-nodeports { udp . 30053 comment "ns/s:dns" : goto reject-chain }');
    expect(text).not.toMatch(/add chain ip kube-proxy (service|endpoint)-[A-Z2-7]{8}-/);
  });

  it('drops unallocated ClusterIPs of every IPv4 service CIDR', () => {
    const text = renderNftables({ ...base, serviceCIDRs: ['10.96.0.0/12', 'fd00::/108', '10.200.0.0/16'] });
    expect(text).toContain('add rule ip kube-proxy cluster-ips-check ip daddr { 10.96.0.0/12,10.200.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"');
  });
});

describe('renderNftables, v1.37 layout (the kube-lab diffs it against the real v1.37.2 kube-proxy)', () => {
  const input: KubeProxyInput = {
    nodeName: 'n1',
    nodeIPs: ['192.168.0.1'],
    clusterCIDR: '10.244.0.0/16',
    serviceCIDRs: ['10.96.0.0/12'],
    services: [
      {
        namespace: 'ns', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.20',
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
        endpoints: [{ ip: '10.244.0.1', nodeName: 'n1', ready: true }, { ip: '10.244.1.10', nodeName: 'n2', ready: true }],
      },
      {
        namespace: 'ns', name: 'one', type: 'ClusterIP', clusterIP: '10.96.0.21',
        ports: [{ protocol: 'TCP', port: 81, targetPort: 9000 }],
        endpoints: [{ ip: '10.244.1.11', nodeName: 'n2', ready: true }],
      },
    ],
  };
  const rules = (i: KubeProxyInput): Record<string, string[]> => normalise(renderNftables(i, { layout: 'v1.37' })).rules;

  it('DNATs in the service chain through a numgen map, or directly for one endpoint, without endpoint chains', () => {
    const r = rules(input);
    expect(Object.entries(r).find(([c]) => c.endsWith('ns/web/tcp/http'))?.[1]).toEqual([
      'meta l4proto tcp dnat ip addr . port to numgen random mod 2 map { 0 : 10.244.0.1 . 8080 , 1 : 10.244.1.10 . 8080 }',
    ]);
    expect(Object.entries(r).find(([c]) => c.endsWith('ns/one/tcp/'))?.[1]).toEqual(['meta l4proto tcp dnat to 10.244.1.11:9000']);
    expect(Object.keys(r).some((c) => c.startsWith('endpoint-'))).toBe(false);
  });

  it('keeps endpoint chains for ClientIP affinity, without the per-endpoint hairpin mark', () => {
    const sticky = { ...input, services: [{ ...input.services[0]!, sessionAffinitySeconds: 60 }] };
    const ep = Object.entries(rules(sticky)).find(([c]) => c.endsWith('__10.244.0.1/8080'));
    expect(ep?.[1]).toEqual([`update @affinity-${ep?.[0].slice('endpoint-'.length)} { ip saddr }`, 'meta l4proto tcp dnat to 10.244.0.1:8080']);
  });

  it('masquerades off-cluster ClusterIP traffic once in `services` and hairpin traffic through the set of local endpoints', () => {
    const text = renderNftables(input, { layout: 'v1.37' });
    const r = rules(input);
    expect(r['services']?.[0]).toBe('ip daddr @cluster-ips ip saddr != 10.244.0.0/16 mark set mark or 0x4000 comment "masquerade clusterIP traffic from outside cluster"');
    expect(r['masquerading']).toEqual([
      'mark and 0x4000 != 0 mark set mark xor 0x4000 masquerade fully-random',
      'ct status dnat ip saddr . ip daddr . meta l4proto . th dport @hairpin-connections masquerade fully-random',
    ]);
    expect(text).toContain('add element ip kube-proxy hairpin-connections { 10.244.0.1 . 10.244.0.1 . tcp . 8080 }');
    expect(text).not.toContain('10.244.1.10 . 10.244.1.10');
    expect(text).not.toContain('mark-for-masquerade');
  });

  it('filters load-balancer sources before DNAT and checks ClusterIPs from filter-output', () => {
    const r = rules(input);
    expect(r['filter-prerouting-pre-dnat']).toEqual(['ct state new jump firewall-check']);
    expect(r['filter-output-pre-dnat']).toEqual(['ct state new jump firewall-check']);
    expect(r['filter-output']).toEqual(['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check']);
    expect(r['filter-output-post-dnat']).toBeUndefined();
  });
});
