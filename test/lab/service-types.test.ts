/**
 * LoadBalancer, externalTrafficPolicy Local, internalTrafficPolicy Local, a headless Service, zone
 * hints (topology-aware routing) and the DNS query on the real
 * kernel (scenario `service-types`, both proxy modes): what the kernel does, and that netx's trace
 * predicts exactly that from the same run's dump (disposition, endpoints, conntrack NAT tuple both
 * ways, rule path). The findings are checked on the committed fixtures (test/analyze/trace/service-types.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { compareCase, predictCase } from '../analyze/trace/oracle-compare.js';
import type { Observation } from './oracle.js';
import { runScenario, type ScenarioRun } from './run-scenario.js';
import { ST_IPS, serviceTypes } from './service-types.js';
import { UNDERLAY_GATEWAY } from './spec.js';
import { requireLab } from './support.js';

const obs = (r: ScenarioRun, id: string): Observation => {
  const o = r.fixture.observations.find((x) => x.case.id === id);
  if (!o) throw new Error(`no observation ${id}`);
  return o;
};
/** conntrack's reply tuple on `node` for the first attempt: who answered, and whom the answer goes to (the source after SNAT). */
const replyOn = (o: Observation, node: string) => (o.conntrack[node] ?? []).find((e) => e.original.src === o.source.ip)?.reply;
const lastRule = (o: Observation, node: string) => (o.trace[node] ?? []).filter((e) => e.kind === 'rule').at(-1);

describe.each([
  ['vxlan', 'iptables'],
  ['host-gw', 'nftables'],
] as const)('service types on the kernel (%s, %s mode)', (topology, mode) => {
  let run: ScenarioRun | undefined;
  const lab = async (ctx: Parameters<typeof requireLab>[0]): Promise<ScenarioRun> => {
    requireLab(ctx);
    run ??= await runScenario(serviceTypes, topology, mode);
    return run;
  };

  it('the kernel: LB + ETP Cluster masquerades; ETP Local keeps the source where an endpoint is local and drops elsewhere; ITP Local stays on the node; headless is the pods themselves; zone hints pick the zone’s endpoints; DNS reaches CoreDNS', async (ctx) => {
    const r = await lab(ctx);
    expect(() => parseSnapshot(serializeSnapshot(r.snapshot), 'service-types')).not.toThrow();
    const nodeA = '172.31.250.10';

    const lb = obs(r, 'underlay-to-web-lb');
    expect(Object.keys(lb.endpoints).sort()).toEqual(['web-0', 'web-1', 'web-2']);
    expect(lb.outcomes['timeout']).toBeUndefined();
    // Masqueraded on node-a: the endpoint answers an address of node-a, never the client.
    // (eth0's 172.31.250.10 towards host-gw routes, flannel.1's 10.244.0.0 into VXLAN, cni0's 10.244.0.1 to web-0).
    const lbReply = replyOn(lb, 'node-a');
    expect([nodeA, '10.244.0.0', '10.244.0.1']).toContain(lbReply?.dst);
    expect(lbReply?.src).toMatch(/^10\.244\./);

    for (const id of ['underlay-to-echo-local-lb', 'underlay-to-echo-local-nodeport-node-b']) {
      const o = obs(r, id);
      expect(o.outcomes).toEqual({ 'answered:echo-0': o.attempts });
      // Source kept: echo-0 answers the client itself.
      expect(replyOn(o, 'node-b')).toMatchObject({ src: r.fixture.podIPs['echo-0'], dst: UNDERLAY_GATEWAY });
    }
    // Its second ingress IP on node-a: no DNAT there, forwarded, and dropped by the "has no local endpoints" rule.
    const lbDropped = obs(r, 'underlay-to-echo-local-lb-node-a');
    expect(lbDropped.outcomes).toEqual({ timeout: lbDropped.attempts });
    expect(lastRule(lbDropped, 'node-a')).toMatchObject({ verdict: 'drop', chain: mode === 'iptables' ? 'KUBE-EXTERNAL-SERVICES' : 'service-endpoints-check' });
    expect(lbDropped.trace['node-b']).toEqual([]);
    const dropped = obs(r, 'underlay-to-echo-local-nodeport-node-a');
    expect(dropped.outcomes).toEqual({ timeout: dropped.attempts });
    expect(dropped.case.to.ip).toBe(nodeA);
    expect(lastRule(dropped, 'node-a')?.verdict).toBe('drop');
    expect(dropped.conntrack['node-a']?.filter((e) => e.reply.src !== nodeA)).toEqual([]);

    expect(obs(r, 'client-to-web-itp').outcomes).toEqual({ 'answered:web-0': 10 });
    const itpB = obs(r, 'client-b-to-web-itp');
    expect(Object.keys(itpB.endpoints).sort()).toEqual(['web-1', 'web-2']);
    expect(itpB.endpoints['web-1']! + itpB.endpoints['web-2']!).toBe(itpB.attempts);
    const itpNone = obs(r, 'client-to-echo-itp');
    expect(itpNone.outcomes).toEqual({ timeout: itpNone.attempts });
    expect(lastRule(itpNone, 'node-a')?.verdict).toBe('drop');

    // Headless: no VIP, no kube-proxy rule: each pod address answers as itself, and conntrack shows no NAT.
    for (const pod of ['web-0', 'web-1', 'web-2']) {
      const h = obs(r, `client-to-web-headless-${pod}`);
      expect(h.outcomes).toEqual({ [`answered:${pod}`]: h.attempts });
      expect(replyOn(h, 'node-a')).toMatchObject({ src: r.fixture.podIPs[pod], dst: r.fixture.podIPs['client'] });
    }
    // Zone hints: kube-proxy on node-a (zone-a) programs web-0 and web-2 only (web-2 across nodes), node-b (zone-b) web-1 only.
    const zoneA = obs(r, 'client-to-web-zone');
    expect(Object.keys(zoneA.endpoints).sort()).toEqual(['web-0', 'web-2']);
    expect(zoneA.endpoints['web-0']! + zoneA.endpoints['web-2']!).toBe(zoneA.attempts);
    const zoneB = obs(r, 'client-b-to-web-zone');
    expect(zoneB.outcomes).toEqual({ 'answered:web-1': zoneB.attempts });

    const dns = obs(r, 'client-to-kube-dns-udp');
    expect(dns.case.to).toEqual({ ip: ST_IPS.kubeDns, port: 53, protocol: 'UDP' });
    expect(dns.outcomes).toEqual({ 'answered:coredns': dns.attempts });
  });

  it('netx predicts every case from the dump: disposition, endpoints, NAT tuple (DNAT and SNAT), rule path', async (ctx) => {
    const r = await lab(ctx);
    const problems: string[] = [];
    let ruleNodes = 0;
    for (const o of r.fixture.observations) {
      const p = predictCase(r.snapshot, o);
      const v = compareCase(o, p.branches, p.findings);
      ruleNodes += v.ruleNodesCompared;
      problems.push(...v.problems.map((x) => `${o.case.id}: ${x}`));
    }
    expect(problems, problems.join('\n')).toEqual([]);
    expect(ruleNodes).toBeGreaterThanOrEqual(r.fixture.observations.length);
  });
});
