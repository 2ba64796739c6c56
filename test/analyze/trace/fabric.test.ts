/**
 * Cloud fabrics and routed underlays (src/sim/fabric.ts) on the `fabric` lab fixture (EKS-shaped: nodes on their own
 * subnets behind a router that is no node, /32 pods on eni veths, a secondary interface with table 2, ip rules
 * to/from/fwmark, aws-node's CONNMARK and SNAT). The kernel agreement itself is in oracle.test.ts; here, what the
 * trace says about the parts no dump shows, and what the other parts make of it.
 */
import { describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { isFailure, type Branch, type Trace } from '../../../src/sim/trace.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { readLabFixture } from '../../lab/fixture-index.js';
import { compareCase, predictCase } from './oracle-compare.js';

const fx = readLabFixture('fabric');
const ip = (pod: string): string => fx.oracle.podIPs[pod]!;
const trace = (src: string, dst: string, snapshot: Snapshot = fx.snapshot): Trace =>
  traceRequest(snapshot, { src, dst, namespace: 'default' }, { buildNode: buildNodeModel }).traces[0]!;
const steps = (b: Branch) => b.hops.flatMap((h) => h.steps.map((s) => ({ node: h.node, ...s })));
const only = (t: Trace): Branch => {
  expect(t.branches).toHaveLength(1);
  return t.branches[0]!;
};

describe('a router that is no node, between nodes of the snapshot', () => {
  it('the walk goes on at the node that owns the address, through a hop marked as an assumption naming the gateway', () => {
    const t = trace('client', `${ip('web-1')}:8080`);
    const b = only(t);
    expect([b.disposition, b.endpoint?.pod]).toEqual(['delivered', 'default/web-1']);
    const hop = steps(b).find((s) => s.assumption?.kind === 'underlay');
    expect(hop).toMatchObject({ node: 'node-a', kind: 'forward', assumption: { kind: 'underlay', dev: 'eth0', gateway: '172.31.10.1', to: ip('web-1'), toNode: 'node-b', owner: 'pod' } });
    // It arrives on the interface whose subnet holds the address.
    expect(steps(b).find((s) => s.node === 'node-b' && s.kind === 'ingress')?.detail?.iif).toBe('eth0');
    const f = t.findings.find((x) => x.code === 'underlay-assumed');
    expect(f).toMatchObject({ severity: 'info', message: expect.stringMatching(/node-a → gateway 172\.31\.10\.1 → node-b/) });
    // The default route is how this fabric reaches other nodes' pods: not a missing route.
    expect(t.findings.map((x) => x.code)).not.toContain('no-route-to-pod-cidr');
  });

  it('a pod of the secondary interface: ip rule from → table 2 → eth1 and its gateway; the answer comes back on eth1', () => {
    const out = only(trace('client-2', `${ip('web-1')}:8080`));
    expect(steps(out).find((s) => s.kind === 'route')?.summary).toMatch(/via 172\.31\.15\.1 dev eth1 table 2 \(ip rule 1536 → table 2\)/);
    expect(steps(out).find((s) => s.assumption)?.assumption).toMatchObject({ dev: 'eth1', gateway: '172.31.15.1' });
    const back = only(trace('web-1', `${ip('client-2')}:8080`));
    expect(back.disposition).toBe('delivered');
    expect(steps(back).find((s) => s.node === 'node-a' && s.kind === 'ingress')?.detail?.iif).toBe('eth1');
    expect(steps(back).find((s) => s.node === 'node-a' && s.kind === 'route')?.summary).toMatch(/ip rule 512 → table main/);
  });
});

describe('leaving the cluster', () => {
  it('towards an address nothing in the snapshot owns: egress, with the tuple on the wire (SNAT applied) and the interface; not a failure', () => {
    const t = trace('client', '203.0.113.10:8080');
    const b = only(t);
    expect(t.disposition).toBe('egress');
    expect(isFailure(b.disposition)).toBe(false);
    expect(b.egress).toEqual({ node: 'node-a', dev: 'eth0', gateway: '172.31.10.1' });
    expect(b.final).toMatchObject({ saddr: '172.31.10.10', daddr: '203.0.113.10', dport: 8080, oif: 'eth0' });
    expect(b.endpoint).toEqual({ ip: '203.0.113.10', port: 8080, owner: 'external' });
  });

  it('from the secondary interface: the connection mark restored onto the packet takes the fwmark rule to main and eth0', () => {
    const b = only(trace('client-2', '203.0.113.10:8080'));
    expect(steps(b).find((s) => s.kind === 'route')?.summary).toMatch(/via 172\.31\.10\.1 dev eth0 \(ip rule 1024 → table main\)/);
    expect(b.egress?.dev).toBe('eth0');
    expect(b.final?.saddr).toBe('172.31.10.10');
  });

  it('an address of a range the cluster claims that nobody owns is not "outside": insufficient-info says why', () => {
    const b = only(trace('client', '10.96.0.99:80'));
    expect(b.disposition).toBe('insufficient-info');
    expect(b.reason).toMatch(/10\.96\.0\.99 is in the service range \(ServiceCIDR "kubernetes"\)/);
  });

  it('an unowned address the cluster claims twice is named by the narrowest claim: the Service’s address, not the service range', () => {
    const ghost = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ghost', namespace: 'default' }, spec: { clusterIP: '10.96.0.99', ports: [{ port: 80 }] } };
    const services = [...(fx.snapshot.cluster.objects['services'] ?? []), ghost];
    const b = only(trace('client', '10.96.0.99:80', { ...fx.snapshot, cluster: { ...fx.snapshot.cluster, objects: { ...fx.snapshot.cluster.objects, services } } }));
    expect(b.disposition).toBe('insufficient-info');
    expect(b.reason).toMatch(/10\.96\.0\.99 is in an address of service default\/ghost \(10\.96\.0\.99\)/);
  });

  it('without pods in the snapshot the owner of an address is unknown: insufficient-info', () => {
    const { pods: _pods, ...objects } = fx.snapshot.cluster.objects;
    const b = only(trace('node/node-a', '203.0.113.10:8080', { ...fx.snapshot, cluster: { ...fx.snapshot.cluster, objects } }));
    expect(b.disposition).toBe('insufficient-info');
    expect(b.reason).toMatch(/pods were not collected/);
  });
});

describe('the kernel comparison checks the interface a packet leaves by', () => {
  it('a kernel that left by another interface than netx says is a disagreement', () => {
    const o = structuredClone(fx.oracle.observations.find((x) => x.case.id === 'client-2-to-off-network')!);
    const p = predictCase(fx.snapshot, o);
    expect(compareCase(o, p.branches, p.findings).problems).toEqual([]);
    for (const e of o.trace['node-a'] ?? []) if (e.packet?.oif === 'eth0') e.packet.oif = 'eth1';
    expect(compareCase(o, p.branches, p.findings).problems.join('\n')).toMatch(/leaves by node-a:eth1; netx has it leave by node-a:eth0/);
  });
});
