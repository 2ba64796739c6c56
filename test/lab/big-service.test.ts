/**
 * The kernel on a big service: kube-proxy's rules for one UDP service with 1,200 endpoints (the lab renderers, both
 * proxy modes) loaded into a throwaway namespace. The kernel accepts them; netx, from the namespace's own dumps
 * (the probe's catalogue), predicts exactly the EndpointSlice's endpoints with equal odds; and ~6,000 new flows sent
 * by the kernel land only on predicted endpoints, spread as predicted (chi-square over 12 groups of 100 endpoints,
 * p < 0.001 to fail). The endpoints need not answer: conntrack records each flow's DNAT as the datagram leaves.
 * Also: the kernel refuses a ruleset whose jumps or gotos loop, which is why netx calls a loop in a dump hand-made.
 */
import { describe, expect, it } from 'vitest';
import { inNs, run } from './exec.js';
import { withNetns } from './netns.js';
import { requireLab } from './support.js';
import { NFACCT_COUNTERS, renderIptables } from './kube-proxy/iptables.js';
import { renderNftables } from './kube-proxy/nftables.js';
import type { KubeProxyInput } from './kube-proxy/types.js';
import { probeNode } from '../../src/probe/node-probe.js';
import { NetnsTransport } from '../../src/probe/transport.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { makeWorld, newPacket, simulate } from '../../src/sim/index.js';

const N = 1200;
const FLOWS = 6000;
const GROUPS = 12;
/** Chi-square with 11 degrees of freedom at p = 0.001. */
const CHI2_CRITICAL = 31.26;
const NODE_IP = '172.31.250.10';
const CLUSTER_IP = '10.96.0.50';

const endpointIp = (i: number): string => `10.244.${1 + Math.floor(i / 100)}.${10 + (i % 100)}`;

const input: KubeProxyInput = {
  nodeName: 'node-a',
  nodeIPs: [NODE_IP],
  clusterCIDR: '10.244.0.0/16',
  serviceCIDRs: ['10.96.0.0/16'],
  services: [
    {
      namespace: 'default',
      name: 'big',
      type: 'ClusterIP',
      clusterIP: CLUSTER_IP,
      ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }],
      endpoints: Array.from({ length: N }, (_, i) => ({ ip: endpointIp(i), nodeName: `node-${Math.floor(i / 100)}`, ready: true, pod: `big-${i}` })),
    },
  ],
};

/** A namespace with the node's address on a veth (this kernel has no dummy links) and routes for services and pods. */
const withNamespace = <T>(fn: (ns: string) => Promise<T>): Promise<T> =>
  withNetns(
    ['bs'],
    async ({ bs }) => {
      const sh = (cmd: string) => run(inNs(bs!, ['sh', '-c', cmd]));
      await sh('ip link set lo up && ip link add eps type veth peer name eps-peer && ip link set eps up && ip link set eps-peer up');
      await sh(`ip addr add ${NODE_IP}/24 dev eps && ip route add 10.96.0.0/16 dev eps && ip route add 10.244.0.0/16 dev eps`);
    },
    ({ bs }) => fn(bs!),
  );

async function load(ns: string, mode: 'iptables' | 'nftables', text: string): Promise<{ exitCode: number; stderr: string }> {
  if (mode === 'iptables') {
    for (const c of NFACCT_COUNTERS) await run(inNs(ns, ['nfacct', 'add', c]), { check: false });
    return run(inNs(ns, ['iptables-restore']), { input: text, check: false, timeoutMs: 120_000 });
  }
  return run(inNs(ns, ['nft', '-f', '-']), { input: text, check: false, timeoutMs: 120_000 });
}

/** netx's odds per endpoint address, from the namespace's dumps as the probe takes them. */
async function predict(ns: string): Promise<Map<string, number>> {
  const capture = await probeNode(new NetnsTransport(ns), { dumps: [] });
  const model = buildNodeModel('node-a', capture);
  const branches = simulate(makeWorld([model]), newPacket({ proto: 'udp', saddr: '', daddr: CLUSTER_IP, dport: 53 }), { kind: 'local', node: 'node-a' });
  const odds = new Map<string, number>();
  for (const b of branches) {
    expect(b.disposition, b.reason).not.toBe('uncertain');
    const at = b.final?.daddr ?? '';
    odds.set(at, (odds.get(at) ?? 0) + b.probability);
  }
  return odds;
}

/** Sends FLOWS datagrams from fresh sockets (new source ports) and reads from conntrack where the kernel sent each flow. */
async function sample(ns: string): Promise<Map<string, number>> {
  const script = `const d=require('dgram');let left=${FLOWS},open=0;const go=()=>{while(open<200&&left>0){left--;open++;const s=d.createSocket('udp4');s.send('x',53,'${CLUSTER_IP}',()=>{s.close();open--;if(left>0)go();});}};go();`;
  await run(inNs(ns, [process.execPath, '-e', script]), { timeoutMs: 120_000 });
  const listed = await run(inNs(ns, ['conntrack', '-L', '-p', 'udp', '--orig-dst', CLUSTER_IP]), { timeoutMs: 60_000 });
  const seen = new Map<string, number>();
  for (const line of listed.stdout.split('\n')) {
    const reply = /\[UNREPLIED\] src=(\S+)|dport=53 +src=(\S+)/.exec(line);
    const ep = reply?.[1] ?? reply?.[2];
    if (ep) seen.set(ep, (seen.get(ep) ?? 0) + 1);
  }
  return seen;
}

describe.each(['iptables', 'nftables'] as const)('lab: a service with %s mode rules for 1,200 endpoints', (mode) => {
  it('loads; netx predicts exactly the EndpointSlice endpoints, equal odds; the kernel’s choices agree', async (ctx) => {
    requireLab(ctx);
    await withNamespace(async (ns) => {
      const loaded = await load(ns, mode, mode === 'iptables' ? renderIptables(input) : renderNftables(input));
      expect(loaded.exitCode, loaded.stderr).toBe(0);
      const odds = await predict(ns);
      const slice = input.services[0]!.endpoints.map((e) => e.ip);
      expect([...odds.keys()].sort()).toEqual([...slice].sort());
      for (const p of odds.values()) expect(p).toBeCloseTo(1 / N, 9);

      const seen = await sample(ns);
      // A source port reused after its socket closed is the same flow (one conntrack entry): count entries, not sends.
      const total = [...seen.values()].reduce((s, n) => s + n, 0);
      expect(total).toBeGreaterThan(FLOWS * 0.8);
      for (const ep of seen.keys()) expect(odds.has(ep), `the kernel chose ${ep}, which netx does not predict`).toBe(true);
      expect(seen.size).toBeGreaterThan(N - 40);
      // Endpoints in groups of 100 (in the service's order): observed against predicted counts.
      let chi2 = 0;
      for (let g = 0; g < GROUPS; g++) {
        const ips = slice.slice(g * (N / GROUPS), (g + 1) * (N / GROUPS));
        const expected = total * ips.reduce((s, ip) => s + odds.get(ip)!, 0);
        const observed = ips.reduce((s, ip) => s + (seen.get(ip) ?? 0), 0);
        chi2 += (observed - expected) ** 2 / expected;
      }
      console.log(`${mode}: ${N} endpoints predicted at ${(100 / N).toPrecision(2)}% each; the kernel sent ${total} flows to ${seen.size} of them; chi-square over ${GROUPS} groups ${chi2.toFixed(1)} (fails above ${CHI2_CRITICAL})`);
      expect(chi2).toBeLessThan(CHI2_CRITICAL);
    });
  });
});

describe('lab: the kernel refuses jump and goto loops', () => {
  it('iptables-restore (nf_tables backend) and nft -f both reject a loop; a chain called twice is fine', async (ctx) => {
    requireLab(ctx);
    await withNamespace(async (ns) => {
      const ipt = (body: string[]) => ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':LOOP-A - [0:0]', ':LOOP-B - [0:0]', ...body, 'COMMIT', ''].join('\n');
      const goto = await run(inNs(ns, ['iptables-restore']), { input: ipt(['-A FORWARD -g LOOP-A', '-A LOOP-A -g LOOP-B', '-A LOOP-B -g LOOP-A']), check: false });
      expect(goto.exitCode).not.toBe(0);
      const jump = await run(inNs(ns, ['iptables-restore']), { input: ipt(['-A FORWARD -j LOOP-A', '-A LOOP-A -j LOOP-B', '-A LOOP-B -j LOOP-A']), check: false });
      expect(jump.exitCode).not.toBe(0);
      const twice = await run(inNs(ns, ['iptables-restore']), { input: ipt(['-A FORWARD -j LOOP-A', '-A FORWARD -j LOOP-A', '-A LOOP-A -j LOOP-B']), check: false });
      expect(twice.exitCode, twice.stderr).toBe(0);
      const nft = (verdict: string) =>
        `table ip netx-loop {\n chain forward { type filter hook forward priority 0; ${verdict} loop-a; }\n chain loop-a { ${verdict} loop-b; }\n chain loop-b { ${verdict} loop-a; }\n}\n`;
      for (const verdict of ['jump', 'goto']) {
        const r = await run(inNs(ns, ['nft', '-f', '-']), { input: nft(verdict), check: false });
        expect(r.exitCode, `nft accepted a ${verdict} loop`).not.toBe(0);
      }
    });
  });
});
