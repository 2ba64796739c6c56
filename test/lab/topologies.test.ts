/**
 * Every topology × proxy mode on the real kernel: pod → pod across nodes, pod → ClusterIP spread over
 * all endpoints with the NAT conntrack shows and the rule path the trace shows, UDP, NodePort from
 * off-cluster (masqueraded), REJECT without endpoints, ClientIP affinity; the dump parses.
 */
import { describe, expect, it } from 'vitest';
import { buildLab } from './build.js';
import { dumpLab } from './dump.js';
import { observe } from './oracle.js';
import { requireLab, unexpectedDumpWarnings } from './support.js';
import { IPS, NODE_PORT, standardSpec } from './topologies.js';
import { UNDERLAY_GATEWAY, podByName, type ProxyMode, type Topology } from './spec.js';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';

const MATRIX: [Topology, ProxyMode][] = [
  ['vxlan', 'iptables'],
  ['vxlan', 'nftables'],
  ['host-gw', 'iptables'],
  ['host-gw', 'nftables'],
  ['routed', 'iptables'],
  ['routed', 'nftables'],
];

describe.each(MATRIX)('lab %s / kube-proxy %s', (topology, proxyMode) => {
  it('behaves like a cluster, and its dump is a valid snapshot every parser reads', async (ctx) => {
    requireLab(ctx);
    const lab = await buildLab(standardSpec(topology, proxyMode));
    try {
      const ipOf = (pod: string) => podByName(lab.plan, pod).ip;
      const snapshot = await dumpLab(lab);

      const direct = await observe(lab, { id: 'direct', from: 'client', to: { ip: ipOf('web-1'), port: 8080, protocol: 'TCP' }, count: 3, trace: false });
      expect(direct.outcomes).toEqual({ 'answered:web-1': 3 });

      const svc = await observe(lab, { id: 'svc', from: 'client', to: { ip: IPS.web, port: 80, protocol: 'TCP' }, count: 30 });
      expect(Object.keys(svc.endpoints).sort()).toEqual(['web-0', 'web-1', 'web-2']);
      for (const n of Object.values(svc.endpoints)) expect(n).toBeGreaterThanOrEqual(2);
      // The first attempt: conntrack's reply tuple and the traced DNAT rule name the endpoint that answered.
      expect(svc.first.kind).toBe('answered');
      const by = svc.first.kind === 'answered' ? svc.first.by : '';
      const ct = svc.conntrack['node-a'] ?? [];
      expect(ct).toHaveLength(1);
      expect(ct[0]?.original).toMatchObject({ src: ipOf('client'), dst: IPS.web, dport: 80 });
      expect(ct[0]?.reply).toMatchObject({ src: ipOf(by), sport: 8080, dst: ipOf('client') });
      const dnat = (svc.trace['node-a'] ?? []).filter((e) => e.kind === 'rule' && /dnat/.test(e.rule ?? ''));
      expect(dnat.map((e) => e.rule)).toEqual([expect.stringContaining(`${ipOf(by)}:8080`)]);

      const udp = await observe(lab, { id: 'udp', from: 'client', to: { ip: IPS.web, port: 53, protocol: 'UDP' }, count: 15, trace: false });
      expect(udp.attempts).toBe(15);
      expect(Object.values(udp.endpoints).reduce((a, b) => a + b, 0)).toBe(15);
      expect(Object.keys(udp.endpoints).length).toBeGreaterThanOrEqual(2);

      const nodeA = lab.plan.nodes[0]!;
      const np = await observe(lab, { id: 'np', from: 'underlay', to: { ip: nodeA.ip, port: NODE_PORT, protocol: 'TCP' }, count: 6 });
      expect(Object.values(np.endpoints).reduce((a, b) => a + b, 0)).toBe(6);
      // Off-cluster source: KUBE-MARK-MASQ → the endpoint sees the node, not the client.
      expect(np.conntrack['node-a']?.[0]?.original).toMatchObject({ src: UNDERLAY_GATEWAY, dst: nodeA.ip, dport: NODE_PORT });
      expect(np.conntrack['node-a']?.[0]?.reply.dst).not.toBe(UNDERLAY_GATEWAY);

      const ghost = await observe(lab, { id: 'ghost', from: 'client', to: { ip: IPS.ghost, port: 80, protocol: 'TCP' }, count: 3, gapMs: 300 });
      expect(ghost.outcomes).toEqual({ refused: 3 });
      expect(ghost.conntrack['node-a']).toEqual([]); // a rejected packet leaves no conntrack entry

      // Pod → off-cluster: flannel masquerades to the node IP; Calico without natOutgoing keeps the pod IP.
      const ext = await observe(lab, { id: 'ext', from: 'client', to: { ip: UNDERLAY_GATEWAY, port: 8080, protocol: 'TCP' }, count: 2, trace: false });
      expect(ext.outcomes).toEqual({ 'answered:external': 2 });
      expect(ext.conntrack['node-a']?.[0]?.reply.dst).toBe(topology === 'routed' ? ipOf('client') : nodeA.ip);

      const sticky = await observe(lab, { id: 'sticky', from: 'client', to: { ip: IPS.sticky, port: 80, protocol: 'TCP' }, count: 8, trace: false });
      expect(Object.keys(sticky.endpoints)).toHaveLength(1);

      const text = serializeSnapshot(snapshot);
      expect(() => parseSnapshot(text, 'lab dump')).not.toThrow();
      for (const [name, capture] of Object.entries(snapshot.nodes)) {
        const model = buildNodeModel(name, capture);
        expect(unexpectedDumpWarnings(model.warnings)).toEqual([]);
        // The probe stores the detected backend's save under `iptables` (iptables-nft-save here).
        expect(capture.probe?.iptablesBackend).toMatchObject({ backend: 'nf_tables' });
        expect(model.have['route'] && model.have['nft'] && model.have['iptables'] && model.have['sysctl']).toBe(true);
      }
    } finally {
      await lab.teardown();
    }
  });
});
