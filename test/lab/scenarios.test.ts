/**
 * Each broken-on-purpose scenario produces the kernel behaviour it is meant to show, seen through
 * the oracle (outcomes, conntrack, rule path), and its dump is a valid snapshot.
 */
import { describe, expect, it } from 'vitest';
import { decodeDumpStdout } from '../../src/snapshot/dump-encoding.js';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { runScenario, type ScenarioRun } from './run-scenario.js';
import type { Observation } from './oracle.js';
import {
  STALE_SOURCE_PORT,
  WEB_TYPO_IP,
  forwardDrop,
  ipForwardOff,
  missingRoute,
  noEndpoints,
  rpFilterStrict,
  staleConntrack,
  wrongTargetPort,
  type Scenario,
} from './scenarios.js';
import { requireLab } from './support.js';
import type { ProxyMode, Topology } from './spec.js';
import type { TraceEvent } from './trace.js';

/** A node's dump as text, as every reader decodes it (large outputs are stored gzip+base64); undecodable fails the test. */
const dumpText = (r: ScenarioRun, node: string, key: string): string => {
  const d = r.snapshot.nodes[node]?.dumps[key];
  if (d === undefined) throw new Error(`no ${key} dump for ${node}`);
  const text = decodeDumpStdout(d);
  if (text.kind !== 'text') throw new Error(`${node} ${key}: ${text.reason}`);
  return text.text;
};

const obs = (r: ScenarioRun, id: string): Observation => {
  const o = r.fixture.observations.find((x) => x.case.id === id);
  if (!o) throw new Error(`no observation ${id}`);
  return o;
};
const failed = (o: Observation): number => o.attempts - Object.values(o.endpoints).reduce((a, b) => a + b, 0);
const chains = (events: TraceEvent[] | undefined): string[] => (events ?? []).map((e) => `${e.table}/${e.chain}`);

async function run(ctx: Parameters<typeof requireLab>[0], s: Scenario, topology: Topology = 'vxlan', mode: ProxyMode = 'iptables'): Promise<ScenarioRun> {
  requireLab(ctx);
  const r = await runScenario(s, topology, mode);
  expect(() => parseSnapshot(serializeSnapshot(r.snapshot), s.name)).not.toThrow();
  return r;
}

/** web-1 (node-b) is unreachable from node-a: direct probes all fail, the service never answers from web-1 but still from elsewhere. */
function expectWeb1Unreachable(r: ScenarioRun): void {
  const direct = obs(r, 'client-to-web-1-pod');
  expect(failed(direct)).toBe(direct.attempts);
  const svc = obs(r, 'client-to-web-svc');
  expect(svc.endpoints['web-1']).toBeUndefined();
}

describe('broken-on-purpose scenarios (kernel behaviour)', () => {
  it('missing route: node-a sends node-b-bound pod traffic to its default route, it never arrives', async (ctx) => {
    const r = await run(ctx, missingRoute);
    expectWeb1Unreachable(r);
    expect(obs(r, 'client-to-web-1-pod').outcomes).toEqual({ timeout: 2 });
    expect(obs(r, 'client-to-web-1-pod').trace['node-b']).toEqual([]);
    const routes = JSON.parse(dumpText(r, 'node-a', 'route')) as { dst: string }[];
    expect(routes.map((x) => x.dst)).not.toContain('10.244.1.0/24');
  });

  it('DROP in FORWARD on node-b: the traced path ends in that rule', async (ctx) => {
    const r = await run(ctx, forwardDrop);
    expectWeb1Unreachable(r);
    const path = obs(r, 'client-to-web-1-pod').trace['node-b'] ?? [];
    const last = path.filter((e) => e.kind === 'rule').at(-1);
    expect(last).toMatchObject({ table: 'filter', chain: 'FORWARD', verdict: 'drop' });
    // nft prints iptables-nft rules without their comment match. The probe reads iptables-nft's tables
    // with iptables-nft-save (no handles; `nft` lists native tables only), so the event is tied to the
    // dump by the rule itself: node-b's FORWARD chain holds exactly one DROP for web-1, with its comment.
    expect(last?.rule).toMatch(/ip daddr 10\.244\.1\.10 .*drop$/);
    expect(r.snapshot.nodes['node-b']?.probe?.iptablesBackend).toMatchObject({ backend: 'nf_tables' });
    const save = dumpText(r, 'node-b', 'iptables');
    expect(save.split('\n').filter((l) => /^-A FORWARD -d 10\.244\.1\.10\/32 .*-j DROP$/.test(l))).toEqual([
      '-A FORWARD -d 10.244.1.10/32 -p tcp -m comment --comment "netx-lab: block web-1" -j DROP',
    ]);
  });

  it('DROP in FORWARD on a routed (Calico-like) node behaves the same', async (ctx) => {
    const r = await run(ctx, forwardDrop, 'routed', 'iptables');
    expectWeb1Unreachable(r);
  });

  it.for(['iptables', 'nftables'] as const)('service without endpoints (%s mode): refused, no conntrack entry, the rejecting rule is traced', async (mode, ctx) => {
    const r = await run(ctx, noEndpoints, mode === 'nftables' ? 'host-gw' : 'vxlan', mode);
    const o = obs(r, 'client-to-ghost-svc');
    expect(o.outcomes).toEqual({ refused: 4 });
    expect(o.conntrack['node-a']).toEqual([]);
    const rejecting = (o.trace['node-a'] ?? []).filter((e) => e.kind === 'rule').at(-1);
    expect(rejecting?.rule).toMatch(/reject/);
    expect(rejecting?.verdict).toBe('drop');
  });

  it('wrong targetPort: the service DNATs to port 8081 where nothing listens, the endpoint answers RST', async (ctx) => {
    const r = await run(ctx, wrongTargetPort);
    const o = obs(r, 'client-to-web-typo-svc');
    expect(o.case.to).toMatchObject({ ip: WEB_TYPO_IP, port: 80 });
    expect(o.outcomes).toEqual({ refused: 6 });
    // The DNAT happened (traced), but an RST answering the SYN makes the kernel drop the conntrack entry.
    const dnat = (o.trace['node-a'] ?? []).filter((e) => e.kind === 'rule' && /dnat to/.test(e.rule ?? ''));
    expect(dnat).toHaveLength(1);
    expect(dnat[0]?.rule).toMatch(/dnat to 10\.244\.\d+\.\d+:8081/);
    expect(o.conntrack['node-a']).toEqual([]);
  });

  it('strict rp_filter on flannel.1 with an asymmetric route: node-b drops after PREROUTING, before FORWARD', async (ctx) => {
    const r = await run(ctx, rpFilterStrict);
    expectWeb1Unreachable(r);
    const seen = chains(obs(r, 'client-to-web-1-pod').trace['node-b']);
    expect(seen).toContain('nat/PREROUTING');
    expect(seen.filter((c) => c.endsWith('/FORWARD'))).toEqual([]);
    expect(dumpText(r, 'node-b', 'sysctl')).toContain('net.ipv4.conf.flannel/1.rp_filter = 1');
  });

  it('ip_forward=0 on node-b: packets for its pods reach PREROUTING and go no further', async (ctx) => {
    const r = await run(ctx, ipForwardOff);
    expectWeb1Unreachable(r);
    const seen = chains(obs(r, 'client-to-web-1-pod').trace['node-b']);
    expect(seen).toContain('nat/PREROUTING');
    expect(seen.filter((c) => c.endsWith('/FORWARD'))).toEqual([]);
    expect(dumpText(r, 'node-b', 'sysctl')).toContain('net.ipv4.ip_forward = 0');
  });

  it.for([
    ['vxlan', 'iptables'],
    ['host-gw', 'nftables'],
  ] as const)('stale conntrack entry (%s/%s): the old flow still goes to the deleted endpoint, new flows do not', async ([topology, mode], ctx) => {
    const r = await run(ctx, staleConntrack, topology, mode);
    const [victim] = r.fixture.deletedPods;
    expect(victim).toMatch(/^web-/);
    const victimIP = r.fixture.podIPs[victim ?? ''];
    const stale = obs(r, 'client-to-web-svc-udp-stale-flow');
    expect(failed(stale)).toBe(stale.attempts);
    const entry = (stale.conntrack['node-a'] ?? []).find((e) => e.original.sport === STALE_SOURCE_PORT);
    expect(entry?.reply.src).toBe(victimIP);
    const fresh = obs(r, 'client-to-web-svc-udp-new-flows');
    expect(fresh.endpoints[victim ?? '']).toBeUndefined();
    expect(Object.values(fresh.endpoints).reduce((a, b) => a + b, 0)).toBe(fresh.attempts);
    // The snapshot shows both sides: the entry in conntrack, the endpoint gone from the API.
    expect(dumpText(r, 'node-a', 'conntrack')).toContain(`src=${victimIP}`);
    const slices = JSON.stringify(r.snapshot.cluster.objects['endpointslices']);
    expect(slices).not.toContain(`"${victimIP}"`);
  });
});
