import { describe, expect, it } from 'vitest';
import { planAddresses, selectedPods } from './spec.js';
import { standardSpec } from './topologies.js';

describe('lab address plan', () => {
  it('gives node i the podCIDR 10.244.i.0/24, node IP 172.31.250.(10+i), pods from .10, interface names within 15 chars', () => {
    const plan = planAddresses(standardSpec('vxlan', 'iptables'));
    expect(plan.nodes.map((n) => [n.name, n.ip, n.podCIDR, n.vtepIP])).toEqual([
      ['node-a', '172.31.250.10', '10.244.0.0/24', '10.244.0.0'],
      ['node-b', '172.31.250.11', '10.244.1.0/24', '10.244.1.0'],
    ]);
    expect(plan.pods.map((p) => [p.name, p.ip])).toEqual([
      ['client', '10.244.0.10'],
      ['web-0', '10.244.0.11'],
      ['web-1', '10.244.1.10'],
      ['web-2', '10.244.1.11'],
      ['echo-0', '10.244.1.12'],
    ]);
    for (const p of plan.pods) expect(p.hostIf.length).toBeLessThanOrEqual(15);
  });

  it('routed pods sit behind cali* veths with the 169.254.1.1 gateway; bridged pods use the cni0 .1', () => {
    const routed = planAddresses(standardSpec('routed', 'iptables'));
    expect(routed.pods[0]?.hostIf).toMatch(/^cali/);
    expect(routed.nodes[0]?.podGateway).toBe('169.254.1.1');
    expect(planAddresses(standardSpec('host-gw', 'nftables')).nodes[1]?.podGateway).toBe('10.244.1.1');
  });

  it('selects endpoints by labels within the namespace; an empty selector selects nothing', () => {
    const spec = standardSpec('vxlan', 'iptables');
    const plan = planAddresses(spec);
    const svc = (name: string) => spec.services.find((s) => s.name === name)!;
    expect(selectedPods(plan, svc('web')).map((p) => p.name)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(selectedPods(plan, svc('ghost'))).toEqual([]);
    expect(selectedPods(plan, svc('kubernetes'))).toEqual([]);
  });

  it('rejects duplicate pods and non-/16 cluster CIDRs', () => {
    const spec = standardSpec('vxlan', 'iptables');
    expect(() => planAddresses({ ...spec, clusterCIDR: '10.0.0.0/8' })).toThrow(/\/16/);
    const dup = { ...spec, nodes: [...spec.nodes, { name: 'node-c', pods: [{ name: 'web-0' }] }] };
    expect(() => planAddresses(dup)).toThrow(/duplicate pod default\/web-0/);
  });
});
