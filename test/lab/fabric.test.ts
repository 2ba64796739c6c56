/**
 * The cloud fabric on the real kernel (scenario `fabric`, EKS-shaped, see fabric.ts): what the kernel does with the
 * router between the node subnets, the secondary interface's table, the fwmark/connmark rule and the SNAT to the
 * primary address, and that netx's trace predicts it from the same run's dump (disposition, endpoints, conntrack NAT
 * tuple, rule path, the interface the packet leaves a node by). The committed fixture is checked in
 * test/analyze/trace/oracle.test.ts and fabric.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { compareCase, predictCase } from '../analyze/trace/oracle-compare.js';
import type { Observation } from './oracle.js';
import { runScenario, type ScenarioRun } from './run-scenario.js';
import { fabric } from './fabric-scenario.js';
import { FABRIC_OFF_NETWORK } from './spec.js';
import { requireLab, unexpectedDumpWarnings } from './support.js';

const obs = (r: ScenarioRun, id: string): Observation => {
  const o = r.fixture.observations.find((x) => x.case.id === id);
  if (!o) throw new Error(`no observation ${id}`);
  return o;
};
/** The interface the first packet left `node` by, as the kernel's last trace line there says. */
const leftBy = (o: Observation, node: string): string | undefined => (o.trace[node] ?? []).filter((e) => e.kind === 'packet' && e.packet?.oif).at(-1)?.packet?.oif;
const replyOn = (o: Observation, node: string) => (o.conntrack[node] ?? []).find((e) => e.original.src === o.source.ip)?.reply;

describe('a cloud fabric on the kernel (fabric, iptables mode)', () => {
  let run: ScenarioRun | undefined;
  const lab = async (ctx: Parameters<typeof requireLab>[0]): Promise<ScenarioRun> => {
    requireLab(ctx);
    run ??= await runScenario(fabric, 'fabric', 'iptables');
    return run;
  };

  it('the kernel: the router carries pod traffic between node subnets; eth1 pods use table 2; off-VPC traffic leaves by eth0 SNATed to the primary address', async (ctx) => {
    const r = await lab(ctx);
    expect(() => parseSnapshot(serializeSnapshot(r.snapshot), 'fabric')).not.toThrow();
    for (const [name, capture] of Object.entries(r.snapshot.nodes)) expect(unexpectedDumpWarnings(buildNodeModel(name, capture).warnings)).toEqual([]);
    const nodeA = r.snapshot.cluster.objects['nodes']!.find((n) => (n as { metadata: { name: string } }).metadata.name === 'node-a') as { status: { addresses: { address: string }[] } };
    const primary = nodeA.status.addresses[0]!.address;

    expect(obs(r, 'client-to-web-1-pod').outcomes).toEqual({ 'answered:web-1': 2 });
    expect(leftBy(obs(r, 'client-to-web-1-pod'), 'node-a')).toBe('eth0');
    // The secondary interface's pod: `from` rule → table 2 → eth1, both ways.
    expect(obs(r, 'client-2-to-web-1-pod').outcomes).toEqual({ 'answered:web-1': 2 });
    expect(leftBy(obs(r, 'client-2-to-web-1-pod'), 'node-a')).toBe('eth1');
    const back = obs(r, 'web-1-to-client-2-pod');
    expect(back.outcomes).toEqual({ 'answered:client-2': 2 });
    expect((back.trace['node-a'] ?? []).find((e) => e.kind === 'packet')?.packet?.iif).toBe('eth1');
    for (const id of ['client-to-web-svc-tcp', 'client-2-to-web-svc-tcp', 'client-to-web-svc-udp']) expect(Object.keys(obs(r, id).endpoints).sort()).toEqual(['web-0', 'web-1', 'web-2']);
    // Out of the VPC: SNAT to the primary address, by eth0, also from the eth1 pod (its connection mark → fwmark rule → main).
    for (const id of ['client-to-off-network', 'client-2-to-off-network']) {
      const o = obs(r, id);
      expect(o.outcomes).toEqual({ 'answered:external': 2 });
      expect(leftBy(o, 'node-a')).toBe('eth0');
      expect(replyOn(o, 'node-a')).toMatchObject({ src: FABRIC_OFF_NETWORK, dst: primary });
    }
  });

  it('netx predicts every case from the dump: across the router by assumption, out of the cluster as egress', async (ctx) => {
    const r = await lab(ctx);
    let leaving = 0;
    for (const o of r.fixture.observations) {
      const p = predictCase(r.snapshot, o);
      expect(compareCase(o, p.branches, p.findings).problems, o.case.id).toEqual([]);
      if (p.branches.some((b) => b.disposition === 'egress')) leaving++;
      if (o.source.node !== undefined && Object.keys(o.trace).filter((n) => (o.trace[n] ?? []).length > 0).length > 1) {
        expect(p.findings.map((f) => f.code), o.case.id).toContain('underlay-assumed');
      }
    }
    expect(leaving).toBe(2);
  });
});
