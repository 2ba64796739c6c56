/**
 * The simulator on kube-proxy ipvs mode (test/sim/ipvs-mode.ts: the lab's ipvs-mode renderer for the shared services). Expectations follow the kernel's hook order
 * (ip_vs_core.c: LOCAL_IN priority 99, after filter INPUT; LOCAL_OUT -98, after nat OUTPUT), ip_vs_nat_xmit (the
 * rewritten packet re-enters LOCAL_OUT, then POSTROUTING), ip_vs_leave (no real server: ICMP port unreachable) and the
 * rules kube-proxy's ipvs proxier writes (KUBE-IPVS-FILTER rejects new connections to a service address on a port no
 * virtual server has; KUBE-MARK-MASQ for NodePorts and off-cluster sources; KUBE-POSTROUTING masquerades marked ones).
 */
import { describe, expect, it } from 'vitest';
import type { Branch, Step } from '../../src/sim/trace.js';
import { makeWorld, newPacket, overallDisposition, probabilitySum, simulate } from '../../src/sim/index.js';
import { schedule } from '../../src/sim/ipvs.js';
import { parseIpvs } from '../../src/parse/ipvs.js';
import { readCorpus } from '../support/corpus.js';
import { endpointOdds, expectCase, runCase } from './harness.js';
import { CASES } from './kube-proxy-cases.js';
import { NODE_A, NODE_B, podsOf } from './topology.js';
import { ipvsNodes } from './ipvs-mode.js';
import type { IpvsService } from '../../src/model/ipvs.js';

const nodes = () => ipvsNodes();
const steps = (b: Branch): Step[] => b.hops.flatMap((h) => h.steps);
const ipvsSteps = (b: Branch): Step[] => steps(b).filter((s) => s.table === 'ipvs');

function fromOutside(daddr: string, dport: number, node = 'node-a'): Branch[] {
  const world = makeWorld(nodes(), podsOf(NODE_A, NODE_B), { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip] });
  return simulate(world, newPacket({ proto: 'tcp', saddr: '172.18.0.100', daddr, dport }), { kind: 'interface', node, iif: 'eth0' });
}

describe('simulator, kube-proxy ipvs mode: the cases every proxy mode must agree on', () => {
  for (const c of CASES) it(c.name, () => expectCase(runCase(nodes(), c), c));
});

/** The nodes() with one virtual server's scheduler and real server weights changed, as an admin could with ipvsadm. */
function tuned(vip: string, change: (s: IpvsService) => void) {
  const copy = ipvsNodes();
  for (const n of copy) for (const s of n.ipvs) if (s.address === vip) change(s);
  return copy;
}

describe('simulator, kube-proxy ipvs mode', () => {
  it('pod to ClusterIP: IPVS (after filter INPUT) sends to either real server, 1/2 each, without masquerade', () => {
    const b = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.10', port: 80, disposition: '' });
    expect(probabilitySum(b)).toBeCloseTo(1, 9);
    expect(overallDisposition(b)).toBe('delivered');
    expect(endpointOdds(b)).toEqual({ '10.244.0.6:8080': 0.5, '10.244.1.5:8080': 0.5 });
    for (const br of b) {
      const s = steps(br);
      const ipvsAt = s.findIndex((x) => x.table === 'ipvs');
      // kube-proxy's nat PREROUTING accepts service traffic; the route is local (kube-ipvs0); filter INPUT runs first.
      expect(s.findIndex((x) => x.kind === 'route' && /kube-ipvs0/.test(x.summary))).toBeLessThan(ipvsAt);
      expect(s.findIndex((x) => x.chain === 'KUBE-IPVS-FILTER')).toBeLessThan(ipvsAt);
      expect(s[ipvsAt]).toMatchObject({ kind: 'nat', verdict: 'dnat', hook: 'input', priority: 99, chain: 'TCP 10.96.0.10:80 rr' });
      expect(s[ipvsAt]!.packetAfter?.daddr).toBe(br.endpoint?.ip);
      // The rewritten packet goes through OUTPUT (nat OUTPUT skipped: DNAT is set up) and POSTROUTING.
      expect(s.slice(ipvsAt).some((x) => x.hook === 'output' && x.chain === 'OUTPUT')).toBe(true);
      expect(s.slice(ipvsAt).some((x) => x.chain === 'KUBE-POSTROUTING')).toBe(true);
      expect(br.final?.saddr).toBe('10.244.0.5');
      expect(br.notes.some((n) => /rr: real servers take new connections in turn/.test(n))).toBe(true);
    }
    const remote = b.find((x) => x.endpoint?.ip === '10.244.1.5')!;
    expect(steps(remote).some((x) => x.kind === 'encap')).toBe(true);
  });

  it('a service address on a port no virtual server has: KUBE-IPVS-FILTER rejects the new connection', () => {
    const b = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.10', port: 81, disposition: '' });
    expect(overallDisposition(b)).toBe('rejected');
    expect(b).toHaveLength(1);
    expect(steps(b[0]!).some((x) => x.chain === 'KUBE-IPVS-FILTER' && /REJECT/.test(x.rule ?? ''))).toBe(true);
    expect(ipvsSteps(b[0]!)).toEqual([]);
  });

  it('a virtual server without real servers answers ICMP port unreachable (ip_vs_leave)', () => {
    const b = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.20', port: 80, disposition: '' });
    expect(overallDisposition(b)).toBe('rejected');
    expect(ipvsSteps(b[0]!)).toEqual([expect.objectContaining({ kind: 'drop', verdict: 'reject icmp port-unreachable', chain: 'TCP 10.96.0.20:80 rr' })]);
    expect(b[0]!.reason).toMatch(/no real server/);
  });

  it('persistence is reported as session affinity', () => {
    const b = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.40', port: 80, disposition: '' });
    expect(endpointOdds(b)).toEqual({ '10.244.0.6:8080': 0.5, '10.244.1.5:8080': 0.5 });
    for (const br of b) expect(br.notes.some((n) => /persistence 10800 s/.test(n))).toBe(true);
  });

  it('wrr shares follow the weights; a weight-0 real server takes no new connections', () => {
    const weighted = tuned('10.96.0.10', (s) => {
      s.scheduler = 'wrr';
      s.reals[0]!.weight = 3;
    });
    const wrr = runCase(weighted, { name: '', source: 'default/client', destination: '10.96.0.10', port: 80, disposition: '' });
    expect(endpointOdds(wrr)).toEqual({ '10.244.0.6:8080': 0.75, '10.244.1.5:8080': 0.25 });
    const drained = tuned('10.96.0.10', (s) => {
      s.reals[0]!.weight = 0;
    });
    const quiesced = runCase(drained, { name: '', source: 'default/client', destination: '10.96.0.10', port: 80, disposition: '' });
    expect(endpointOdds(quiesced)).toEqual({ '10.244.1.5:8080': 1 });
    expect(quiesced[0]!.notes.some((n) => /weight 0 take no new connections/.test(n))).toBe(true);
  });

  it('the node itself: IPVS at LOCAL_OUT after nat OUTPUT; the VIP source is marked and masqueraded', () => {
    const b = runCase(nodes(), { name: '', source: 'node:node-a', destination: '10.96.0.10', port: 80, disposition: '' });
    expect(overallDisposition(b)).toBe('delivered');
    expect(endpointOdds(b)).toEqual({ '10.244.0.6:8080': 0.5, '10.244.1.5:8080': 0.5 });
    for (const br of b) {
      const s = steps(br);
      const ipvsAt = s.findIndex((x) => x.table === 'ipvs');
      expect(s[ipvsAt]).toMatchObject({ hook: 'output', priority: -98 });
      // nat OUTPUT (priority -100) ran before IPVS and marked the VIP-sourced packet; filter OUTPUT (0) after it.
      expect(s.findIndex((x) => x.chain === 'KUBE-MARK-MASQ')).toBeLessThan(ipvsAt);
      expect(s.findIndex((x) => x.verdict === 'jump KUBE-IPVS-OUT-FILTER')).toBeGreaterThan(ipvsAt);
    }
    expect(b.find((x) => x.endpoint?.ip === '10.244.0.6')!.final?.saddr).toBe('10.244.0.1');
    expect(b.find((x) => x.endpoint?.ip === '10.244.1.5')!.final?.saddr).toBe('10.244.0.0');
  });

  it('NodePort from outside: marked in KUBE-NODE-PORT, scheduled by the node address virtual server, masqueraded', () => {
    const b = fromOutside(NODE_A.ip, 30080);
    expect(overallDisposition(b)).toBe('delivered');
    expect(endpointOdds(b)).toEqual({ '10.244.0.6:8080': 0.5, '10.244.1.5:8080': 0.5 });
    for (const br of b) {
      expect(ipvsSteps(br)[0]).toMatchObject({ chain: `TCP ${NODE_A.ip}:30080 rr` });
      expect(steps(br).some((x) => x.chain === 'KUBE-NODE-PORT' && x.table === 'ip nat')).toBe(true);
      expect(br.final?.saddr).not.toBe('172.18.0.100');
    }
  });

  it('a node address on a port without a virtual server is the node\'s own (IPVS leaves it alone)', () => {
    const b = fromOutside(NODE_A.ip, 22);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ disposition: 'delivered', endpoint: { ip: NODE_A.ip, node: 'node-a', owner: 'node' } });
    expect(ipvsSteps(b[0]!)).toEqual([]);
  });
});

describe('IPVS scheduling', () => {
  const svc = (text: string) => parseIpvs(text, { source: 'test' }).value[0]!;

  it('least-connection schedulers pick from the dump\'s counters like the kernel (first of the least loaded)', () => {
    const table = (sched: string): string =>
      `IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.96.0.1:443 ${sched}\n  -> 10.0.0.1:6443                Masq    1      3          0\n  -> 10.0.0.2:6443                Masq    2      4          0\n  -> 10.0.0.3:6443                Masq    1      3          0\n`;
    // lc: overhead 768, 1024, 768 → the first 768. wlc: 768*2 > 1024*1 → 10.0.0.2. sed: (3+1)*2 > (4+1)*1 → 10.0.0.2.
    expect(schedule(svc(table('lc'))).choices.map((c) => c.real.address)).toEqual(['10.0.0.1']);
    expect(schedule(svc(table('wlc'))).choices.map((c) => c.real.address)).toEqual(['10.0.0.2']);
    expect(schedule(svc(table('sed'))).choices.map((c) => c.real.address)).toEqual(['10.0.0.2']);
  });

  it('without counters (ipvsadm -Sn) a least-connection scheduler says so and shows every candidate by weight', () => {
    const s = schedule(svc('-A -t 10.96.0.1:443 -s wlc\n-a -t 10.96.0.1:443 -r 10.0.0.1:6443 -m -w 1\n-a -t 10.96.0.1:443 -r 10.0.0.2:6443 -m -w 3\n'));
    expect(s.choices.map((c) => c.probability)).toEqual([0.25, 0.75]);
    expect(s.note).toMatch(/ipvsadm -Ln/);
  });

  it('every virtual server of the real ipvsadm dumps in the corpus schedules with odds that sum to 1 (or none)', () => {
    for (const f of ['real-minikube-ipvs-ipvsadm-ln.txt', 'real-k8s1.20-calico-ipvs-ipvsadm-Ln-with-nodeports.txt', 'k8s-ipvs-readme-ipvsadm-ln-kubernetes-kubedns.txt']) {
      for (const s of parseIpvs(readCorpus('ipvs', f), { source: f }).value) {
        const plan = schedule(s);
        if (s.reals.some((r) => r.weight > 0)) expect(plan.choices.reduce((a, c) => a + c.probability, 0)).toBeCloseTo(1, 9);
        else expect(plan.choices).toEqual([]);
      }
    }
  });
});
