/**
 * Dual-stack on the real kernel (scenario `dual-stack`, host-gw, both proxy modes): IPv6 pod → pod across
 * nodes and on one node, pod → the IPv6 ClusterIP (TCP and UDP, kube-proxy's ip6tables rules or
 * `table ip6 kube-proxy`), and the
 * IPv4 side of the same Service; and netx's prediction from the same run's dump agrees with the kernel
 * on each (disposition, endpoints, conntrack NAT tuple, rule path) through the differential comparison.
 */
import { describe, expect, it } from 'vitest';
import { decodeDumpStdout } from '../../src/snapshot/dump-encoding.js';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { compareCase, predictCase } from '../analyze/trace/oracle-compare.js';
import { DS_IPS, dualStack } from './dual-stack.js';
import type { Observation } from './oracle.js';
import { runScenario, type ScenarioRun } from './run-scenario.js';
import { requireLab } from './support.js';
import { IPS } from './topologies.js';

const obs = (r: ScenarioRun, id: string): Observation => {
  const o = r.fixture.observations.find((x) => x.case.id === id);
  if (!o) throw new Error(`no observation ${id}`);
  return o;
};
const path = (o: Observation, node: string): string[] => (o.trace[node] ?? []).filter((e) => e.kind === 'rule').map((e) => `${e.family} ${e.table} ${e.chain} ${e.verdict ?? ''}`);

/** The kube-proxy rule that sends a ClusterIP packet to the service's chain, per mode and family. */
const SERVICE_JUMP = {
  iptables: { 4: /^ip nat KUBE-SERVICES jump KUBE-SVC-/, 6: /^ip6 nat KUBE-SERVICES jump KUBE-SVC-/ },
  nftables: { 4: /^ip kube-proxy services goto service-/, 6: /^ip6 kube-proxy services goto service-/ },
} as const;

describe.each(['iptables', 'nftables'] as const)('dual-stack on the kernel (host-gw, %s mode)', (mode) => {
  let run: ScenarioRun | undefined;
  const lab = async (ctx: Parameters<typeof requireLab>[0]): Promise<ScenarioRun> => {
    requireLab(ctx);
    run ??= await runScenario(dualStack, 'host-gw', mode);
    return run;
  };

  it('the kernel: IPv6 pods reach each other across nodes; the IPv6 ClusterIP is DNATed by kube-proxy’s IPv6 rules to all three IPv6 endpoints; IPv4 unchanged', async (ctx) => {
    const r = await lab(ctx);
    expect(() => parseSnapshot(serializeSnapshot(r.snapshot), 'dual-stack')).not.toThrow();
    // The dump holds what netx reads for IPv6: ip6tables rules (kube-proxy's), IPv6 routes.
    expect(Object.keys(r.snapshot.nodes['node-a']!.dumps)).toEqual(expect.arrayContaining(['ip6tables', 'ip6-route']));
    if (mode === 'nftables') {
      const nft = decodeDumpStdout(r.snapshot.nodes['node-a']!.dumps['nft']!);
      expect(nft.kind === 'text' ? nft.text : nft.reason).toContain('{"table":{"family":"ip6","name":"kube-proxy"');
    }

    const pod = obs(r, 'client-to-web-1-pod-ipv6');
    expect(pod.source.ip).toBe('fd00:10:244::10');
    expect(pod.endpoints).toEqual({ 'web-1': 2 });
    expect(path(pod, 'node-b')).toContain('ip6 filter FLANNEL-FWD accept');

    for (const id of ['client-to-web-svc-ipv6-tcp', 'client-to-web-svc-ipv6-udp']) {
      const svc = obs(r, id);
      expect(Object.keys(svc.endpoints).sort(), id).toEqual(['web-0', 'web-1', 'web-2']);
      const ct = (svc.conntrack['node-a'] ?? []).find((e) => e.original.src === 'fd00:10:244::10');
      expect(ct?.original.dst, id).toBe(DS_IPS.web6);
      // The reply tuple's source is the DNAT target: one of the IPv6 endpoints.
      expect(['fd00:10:244::11', 'fd00:10:244:1::10', 'fd00:10:244:1::11'], id).toContain(ct?.reply.src);
      expect(path(svc, 'node-a').some((p) => SERVICE_JUMP[mode][6].test(p)), id).toBe(true);
    }
    const v4 = obs(r, 'client-to-web-svc-ipv4-tcp');
    expect(v4.source.ip).toBe('10.244.0.10');
    expect((v4.conntrack['node-a'] ?? [])[0]?.original.dst).toBe(IPS.web);
    expect(path(v4, 'node-a').some((p) => SERVICE_JUMP[mode][4].test(p))).toBe(true);
  });

  it('netx predicts each case from the same run’s dump (IPv6 by address or --family 6, IPv4 by --family 4)', async (ctx) => {
    const r = await lab(ctx);
    for (const o of r.fixture.observations) {
      const p = predictCase(r.snapshot, o);
      const v = compareCase(o, p.branches, p.findings);
      expect(v.problems, `${o.case.id}:\n${v.problems.join('\n')}`).toEqual([]);
      expect(v.ruleNodesCompared, o.case.id).toBeGreaterThan(0);
      expect(p.trace?.source.ip, o.case.id).toBe(o.source.ip);
    }
  });
});
