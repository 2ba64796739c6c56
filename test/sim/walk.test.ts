import { describe, expect, it } from 'vitest';
import { CASES } from './kube-proxy-cases.js';
import { endpointOdds, expectCase, runCase, twoNodes } from './harness.js';
import { EMPTY_RULESET } from './topology.js';
import { iptablesNodes, iptablesRuleset } from './iptables-mode.js';


describe('simulator, kube-proxy iptables mode (rules rendered like kube-proxy, parsed by the iptables-save parser)', () => {
  const nodes = () => iptablesNodes();
  for (const c of CASES) it(c.name, () => expectCase(runCase(nodes(), c), c));

  it('a ClusterIP port with no rule leaves by the default route (iptables mode has no catch-all for service IPs)', () => {
    const b = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.10', port: 81, disposition: '' });
    expect(b).toHaveLength(1);
    expect(b[0]!.disposition).toBe('insufficient-info');
    expect(b[0]!.reason).toMatch(/172\.18\.0\.1/);
  });

  it('the node itself reaching a ClusterIP is masqueraded (KUBE-MARK-MASQ, then KUBE-POSTROUTING)', () => {
    const b = runCase(nodes(), { name: '', source: 'node:node-a', destination: '10.96.0.10', port: 80, disposition: '' });
    const remote = b.find((x) => x.endpoint?.ip === '10.244.1.5')!;
    // Leaves by flannel.1: masquerade picks flannel.1's address.
    expect(remote.final?.saddr).toBe('10.244.0.0');
    const steps = remote.hops.flatMap((h) => h.steps);
    expect(steps.some((s) => s.kind === 'nat' && s.chain === 'KUBE-POSTROUTING' && /MASQUERADE/.test(s.rule ?? ''))).toBe(true);
    expect(steps.some((s) => s.kind === 'encap' && s.detail?.outerDst === '172.18.0.3')).toBe(true);
    expect(steps.some((s) => s.kind === 'decap')).toBe(true);
  });

  it('every branch cites the DNAT rule with its line', () => {
    const b = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.10', port: 80, disposition: '' });
    for (const br of b) {
      const dnat = br.hops[0]!.steps.find((s) => s.kind === 'nat');
      expect(dnat?.chain).toMatch(/^KUBE-SEP-/);
      expect(dnat?.line).toBeGreaterThan(0);
      expect(dnat?.packetAfter?.daddr).toBe(br.endpoint?.ip);
    }
  });

  it('a pod reaching itself through its service: the bridge needs hairpin mode on its port', () => {
    const tweak = (hairpin: boolean | undefined) =>
      twoNodes({ 'node-a': iptablesRuleset('node-a', '172.18.0.2') }, (m) => {
        const l = m.links.find((x) => x.name === 'veth-client');
        if (l) l.bridgePort = hairpin === undefined ? undefined : { hairpin };
      });
    const self = (n: ReturnType<typeof tweak>) =>
      runCase(n, { name: '', source: 'default/client', destination: '10.96.0.30', port: 53, proto: 'udp', disposition: '' }).find((b) => b.final?.daddr === '10.244.0.5')!;
    expect(self(tweak(true)).disposition).toBe('delivered');
    const off = self(tweak(false));
    expect([off.disposition, off.reason]).toEqual(['dropped', expect.stringMatching(/hairpin off on node-a:veth-client/)]);
    expect(self(tweak(undefined)).disposition).toBe('uncertain');
    // After the DNAT the frame stays on the bridge (br_netfilter): it is not routed by the host.
    expect(self(tweak(true)).hops[0]!.steps.some((s) => s.kind === 'route' && /stays bridged/.test(s.summary))).toBe(true);
  });

  it('ip_forward=0 on the source node drops with the reason', () => {
    const n = twoNodes({}, (m) => {
      if (m.name === 'node-a') m.sysctl['net.ipv4.ip_forward'] = '0';
    });
    const b = runCase(n, { name: '', source: 'default/client', destination: '10.244.1.5', port: 8080, disposition: '' });
    expect(b.map((x) => x.disposition)).toEqual(['dropped']);
    expect(b[0]!.reason).toMatch(/forwarding is disabled on node-a/);
  });

  it('a next node missing from the snapshot ends insufficient-info, naming it', () => {
    const n = twoNodes({});
    const b = runCase(n, { name: '', source: 'default/client', destination: '10.244.1.5', port: 8080, disposition: '' }, n.slice(0, 1));
    expect(b.map((x) => [x.disposition, x.reason])).toEqual([['insufficient-info', 'node node-b not probed']]);
  });

  it('strict rp_filter on the receiving node drops a packet whose reverse route uses another interface', () => {
    const n = twoNodes({ 'node-a': EMPTY_RULESET }, (m) => {
      if (m.name === 'node-b') {
        m.sysctl['net.ipv4.conf.all.rp_filter'] = '1';
        m.routes = m.routes.filter((r) => r.dst !== '10.244.0.0/24');
      }
    });
    const b = runCase(n, { name: '', source: 'default/client', destination: '10.244.1.5', port: 8080, disposition: '' });
    expect(b[0]!.disposition).toBe('dropped');
    expect(b[0]!.reason).toMatch(/rp_filter=1 \(strict\) on node-b:flannel\.1/);
  });

  it('no route on the receiving side: a blackhole route drops', () => {
    const n = twoNodes({}, (m) => {
      if (m.name === 'node-a') m.routes.push({ family: 4, table: 254, type: 'blackhole', dst: '10.244.1.5/32', flags: [] });
    });
    const b = runCase(n, { name: '', source: 'default/client', destination: '10.244.1.5', port: 8080, disposition: '' });
    expect(b[0]!.disposition).toBe('dropped');
    expect(b[0]!.reason).toMatch(/blackhole/);
  });

  it('a conntrack entry needs the flow named: without a source port, new connections are load-balanced as usual', () => {
    const n = iptablesNodes();
    n[0]!.conntrack.push({
      l3: 'ipv4',
      protocol: 'tcp',
      state: 'ESTABLISHED',
      original: { src: '10.244.0.5', dst: '10.96.0.10', sport: 40000, dport: 80 },
      reply: { src: '10.244.9.9', dst: '10.244.0.5', sport: 8080, dport: 40000 },
      flags: ['ASSURED'],
      line: 3,
    });
    const b = runCase(n, { name: '', source: 'default/client', destination: '10.96.0.10', port: 80, disposition: '' });
    // Without a source port no flow is named: normal load balancing.
    expect(Object.keys(endpointOdds(b)).sort()).toEqual(['10.244.0.6:8080', '10.244.1.5:8080']);
  });
});
