import { describe, expect, it } from 'vitest';
import { renderIptables } from '../lab/kube-proxy/iptables.js';
import { renderNftables } from '../lab/kube-proxy/nftables.js';
import { planServicePorts } from '../lab/kube-proxy/plan.js';
import { syntheticServices } from '../lab/kube-proxy/synthetic.js';

describe('syntheticServices', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(syntheticServices(50, 5, 7)).toEqual(syntheticServices(50, 5, 7));
    expect(syntheticServices(50, 5, 7)).not.toEqual(syntheticServices(50, 5, 8));
  });

  it('gives n services with exactly k ready endpoints each, unique IPs, NodePorts in range', () => {
    const input = syntheticServices(3000, 5);
    expect(input.services).toHaveLength(3000);
    expect(input.services.every((s) => s.endpoints.length === 5 && s.endpoints.every((e) => e.ready))).toBe(true);
    const clusterIPs = new Set(input.services.map((s) => s.clusterIP));
    const podIPs = new Set(input.services.flatMap((s) => s.endpoints.map((e) => e.ip)));
    expect(clusterIPs.size).toBe(3000);
    expect(podIPs.size).toBe(15000);
    const nodePorts = input.services.flatMap((s) => s.ports.map((p) => p.nodePort).filter((p): p is number => p !== undefined));
    expect(nodePorts).toHaveLength(300);
    expect(nodePorts.every((p) => p >= 30000 && p <= 32767)).toBe(true);
    expect(new Set(nodePorts).size).toBe(300);
  });

  it('renders identically twice and yields one SEP chain per endpoint', () => {
    const input = syntheticServices(100, 5, 3);
    expect(renderIptables(input)).toBe(renderIptables(syntheticServices(100, 5, 3)));
    expect(renderNftables(input)).toBe(renderNftables(syntheticServices(100, 5, 3)));
    const ports = planServicePorts(input).length;
    expect(renderIptables(input).match(/^:KUBE-SEP-/gm)).toHaveLength(ports * 5);
  });
});
