/** Node probing through the test API server: debug pod lifecycle, exec over WebSocket (v5 and v4), failures, cleanup. */
import { describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/client.js';
import { collectWith } from '../../src/cli/collect.js';
import { silentProgress } from '../../src/util/progress.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { defaultProbeOptions, type ProbeOptions } from '../../src/probe/options.js';
import { livePods } from '../../src/probe/pods.js';
import { IPVS_SCRIPT } from '../../src/probe/catalogue.js';
import { decodeDumpStdout } from '../../src/snapshot/dump-encoding.js';
import type { CollectPlan } from '../../src/snapshot/plan.js';
import { UserError } from '../../src/util/errors.js';
import { sampleObjects } from '../support/api-server/fixture.js';
import { servePods, TestApiServer, type PodsOptions } from '../support/api-server/index.js';
import { FAKE_NAT, fakeNodeBackend, probeTestBed } from './fake-node.js';

const { dir, bin: fakeBin, servers } = probeTestBed('netx-probe-');

const PLAN: CollectPlan = { resources: [{ resource: 'nodes' }], nodes: { names: 'all', dumps: [] } };
const NODES = ['kube-router-vm1', 'kube-router-vm2'];

async function setup(pods: PodsOptions = {}) {
  const server = await TestApiServer.start({ objects: sampleObjects() });
  servers.push(server);
  const ctl = servePods(server, { exec: fakeNodeBackend(fakeBin()), ...pods });
  const client = KubeClient.connect({ kubeconfig: server.writeKubeconfig(dir, { file: `kc-${servers.length}` }), requestTimeoutMs: 10_000, retry: { baseDelayMs: 5 }, env: {} });
  const probeWith = (o: Partial<ProbeOptions> = {}, plan: CollectPlan = PLAN) =>
    collectWith(client, plan, silentProgress, () => new Date('2026-11-22T12:00:00Z'), defaultProbeOptions({ runId: 'run1', startTimeoutMs: 5_000, ...o }));
  return { server, ctl, probeWith };
}

describe('node probe through the API (debug pod + exec)', () => {
  it('probes every node with one pod each, over v5.channel.k8s.io, and deletes the pods', async () => {
    const { ctl, probeWith } = await setup();
    const snap = await probeWith();
    expect(Object.keys(snap.nodes).sort()).toEqual(NODES);
    expect(ctl.created.sort()).toEqual(NODES.map((n) => `netx-probe-${n}-run1`));
    expect(ctl.deleted.sort()).toEqual(ctl.created.sort());
    expect(ctl.pods()).toHaveLength(sampleObjects().pods!.length);
    expect(livePods()).toEqual([]);
    expect(new Set(ctl.execs.map((e) => e.protocol))).toEqual(new Set(['v5.channel.k8s.io']));

    const node = snap.nodes['kube-router-vm1']!;
    expect(node.probe).toMatchObject({ transport: 'debug-pod', image: 'nicolaka/netshoot:v0.13', pod: 'kube-system/netx-probe-kube-router-vm1-run1' });
    expect(node.probe?.iptablesBackend).toEqual({ backend: 'nf_tables', evidence: 'KUBE-IPTABLES-HINT chain in iptables-nft-save -t mangle', certain: true });
    // Compressed on the node, recorded with the command that made it.
    expect(node.dumps.iptables).toMatchObject({ argv: ['iptables-nft-save'], exitCode: 0, encoding: 'gzip+base64' });
    expect(decodeDumpStdout(node.dumps.iptables!)).toEqual({ kind: 'text', text: FAKE_NAT });
    // Missing tools and refusals are recorded per command, never fatal.
    // No IPVS in this kernel: ipvsadm is not run at all (it would load the module).
    expect(node.dumps.ipvs).toMatchObject({ argv: ['sh', '-c', IPVS_SCRIPT, 'sh', '/proc/net/ip_vs'], exitCode: 0, stderr: expect.stringMatching(/IPVS is not in the kernel, ipvsadm not run/) });
    expect(node.dumps['iptables-legacy']).toMatchObject({ exitCode: 4, stderr: expect.stringMatching(/permission denied/) });
    expect(node.probe?.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ what: 'ipset', code: 'missing-tool' }),
        expect.objectContaining({ what: 'iptables-legacy', code: 'failed' }),
      ]),
    );
    // nft: only the native table in full, the iptables-nft table by its base chain.
    expect(node.dumps.nft?.steps).toEqual([['nft', '-j', 'list', 'tables'], ['nft', '-j', 'list', 'chains'], ['nft', '-j', 'list', 'table', 'inet', 'cni']]);
    expect(node.dumps.sysctl?.stdout).toMatch(/^net\.ipv4\.ip_forward = [01]$/m);
    expect(node.dumps.sysctl?.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(node.dumps.proxyMode).toMatchObject({ stdout: 'iptables\n', exitCode: 0 });
    expect(node.dumps.conntrack?.argv).toEqual(['conntrack', '-L', '-f', 'ipv4']);
    // The kubelet-written resolv.conf of the pod itself; the node's own files need a view of the node.
    expect(node.dumps['pod-resolv-conf']).toMatchObject({ argv: ['cat', '/etc/resolv.conf'], exitCode: 0 });
    expect(node.dumps).not.toHaveProperty('kubelet-cmdline');
    // The dumps build a node model: the kube-proxy nat table from the save, the native CNI table from nft.
    const model = buildNodeModel('kube-router-vm1', node);
    expect(model.ruleset.tables.map((t) => `${t.origin} ${t.family} ${t.name}`)).toEqual(['iptables-nft ip nat', 'nft inet cni']);
    expect(model.conntrack).toHaveLength(1);
  });

  it('falls back to v4.channel.k8s.io with the same results', async () => {
    const { ctl, probeWith } = await setup({ execProtocols: ['v4.channel.k8s.io'] });
    const snap = await probeWith();
    expect(new Set(ctl.execs.map((e) => e.protocol))).toEqual(new Set(['v4.channel.k8s.io']));
    expect(decodeDumpStdout(snap.nodes['kube-router-vm2']!.dumps.iptables!)).toEqual({ kind: 'text', text: FAKE_NAT });
    expect(snap.nodes['kube-router-vm2']!.dumps.ipset?.exitCode).toBe(127);
    expect(ctl.deleted).toHaveLength(2);
  });

  it('filters conntrack in the kernel when the plan names addresses', async () => {
    const { ctl, probeWith } = await setup();
    const snap = await probeWith({}, { ...PLAN, nodes: { names: ['kube-router-vm1'], dumps: ['conntrack'], conntrackAddresses: ['10.96.0.10', 'fd00::10'] } });
    const ct = snap.nodes['kube-router-vm1']!.dumps;
    // Three filters per address listed the same entry three times: kept once.
    expect(decodeDumpStdout(ct.conntrack!)).toEqual({ kind: 'text', text: expect.stringMatching(/^tcp .*\n$/) });
    expect(ct['conntrack-ipv6']?.argv.slice(-2)).toEqual(['ipv6', 'fd00::10']);
    expect(ctl.execs.some((e) => e.argv.includes('--orig-dst'))).toBe(false); // the addresses go as arguments of one script
    expect(Object.keys(snap.nodes)).toEqual(['kube-router-vm1']);
    // Addresses known only from the listed objects: the plan computes them after the listing.
    const seen: string[][] = [];
    const later = await probeWith({}, {
      ...PLAN,
      nodes: { names: ['kube-router-vm2'], dumps: ['conntrack'], conntrackAddressesFrom: (objects) => (seen.push(Object.keys(objects)), ['192.0.2.7']) },
    });
    expect(later.source.gaps).toBeUndefined();
    expect(seen).toEqual([['nodes']]);
    expect(later.nodes['kube-router-vm2']!.dumps.conntrack?.argv.slice(-2)).toEqual(['ipv4', '192.0.2.7']);
  });

  it('Pod Security rejection stops the run with advice on a namespace of its own; nothing is left', async () => {
    const { ctl, probeWith } = await setup({ podSecurityBaseline: ['kube-system'] });
    const err = await probeWith().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/Pod Security admission in namespace kube-system rejected the probe pod: .*violates PodSecurity "baseline:latest"/);
    expect((err as UserError).hint).toMatch(/rather than relaxing kube-system, give it a namespace of its own:\n {2}kubectl create namespace netx-probe\n {2}kubectl label namespace netx-probe pod-security.kubernetes.io\/enforce=privileged --overwrite\nthen pass --probe-namespace netx-probe/);
    expect(ctl.created).toEqual([]);
    expect(ctl.jobs()).toEqual([]);
    expect(livePods()).toEqual([]);
  });

  it('RBAC refusal of pod create stops the run and names the permission', async () => {
    const { server, probeWith } = await setup();
    server.deny({ verb: 'create', resource: 'pods', namespace: 'kube-system' });
    const err = (await probeWith().catch((e: unknown) => e)) as UserError;
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(/cannot create pods/);
    expect(err.hint).toMatch(/kubectl netx rbac.*or skip the node probe with --no-probe/);
  });

  it('an image that cannot be pulled is a gap per node with air-gapped advice; pods are deleted', async () => {
    const { ctl, probeWith } = await setup({ stuckReason: 'ErrImagePull' });
    const snap = await probeWith({ image: 'registry.example/netshoot:v0.13' });
    expect(snap.nodes).toEqual({});
    expect(snap.source.gaps).toEqual(NODES.map((n) => expect.objectContaining({ what: `node ${n} dumps`, reason: expect.stringMatching(/cannot start: ErrImagePull/) })));
    expect(ctl.deleted.sort()).toEqual(ctl.created.sort());
    expect(ctl.created).toHaveLength(2);
  });

  it('a pod that is not Running in time is a timeout gap, and is deleted', async () => {
    const { ctl, probeWith } = await setup({ runningAfterMs: 60_000 });
    const snap = await probeWith({ startTimeoutMs: 400 });
    expect(snap.source.gaps?.map((g) => g.code)).toEqual(['timeout', 'timeout']);
    expect(ctl.pods('kube-system')).toEqual([]);
  });

  it('a node command that hangs ends at its deadline: the node is not probed, with that reason; the pod is deleted', async () => {
    const server = await TestApiServer.start({ objects: sampleObjects() });
    servers.push(server);
    const ctl = servePods(server, { exec: fakeNodeBackend(fakeBin(), { hangs: (argv) => argv.includes('addr') }) });
    const warnings: string[] = [];
    const client = KubeClient.connect({ kubeconfig: server.writeKubeconfig(dir, { file: 'kc-slow' }), requestTimeoutMs: 10_000, env: {}, warn: (m) => warnings.push(m) });
    const started = Date.now();
    const snap = await collectWith(client, { ...PLAN, nodes: { names: ['kube-router-vm1'], dumps: ['addr', 'route'] } }, silentProgress, undefined, defaultProbeOptions({ commandTimeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(snap.nodes).toEqual({});
    expect(snap.source.gaps).toEqual([
      expect.objectContaining({ what: 'node kube-router-vm1 dumps', code: 'timeout', reason: expect.stringMatching(/^node command `ip -j addr show` in probe pod kube-system\/netx-probe-kube-router-vm1-\w+ did not finish within 300 ms$/) }),
    ]);
    expect(warnings).toEqual([expect.stringMatching(/^node kube-router-vm1 not probed: node command `ip -j addr show` .* did not finish within 300 ms$/)]);
    expect(ctl.pods('kube-system')).toEqual([]);
  });

  it('an exec upgrade that is never answered ends within --request-timeout; the node is not probed, with that reason', async () => {
    const server = await TestApiServer.start({ objects: sampleObjects() });
    servers.push(server);
    const ctl = servePods(server, { exec: fakeNodeBackend(fakeBin()) });
    server.fault({ path: /\/pods\/netx-probe-kube-router-vm1-[^/]+\/exec$/, action: { kind: 'hang' } });
    const client = KubeClient.connect({ kubeconfig: server.writeKubeconfig(dir, { file: 'kc-hang' }), requestTimeoutMs: 400, env: {}, warn: () => undefined });
    const started = Date.now();
    const snap = await collectWith(client, PLAN, silentProgress, undefined, defaultProbeOptions({ runId: 'hang1' }));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(Object.keys(snap.nodes)).toEqual(['kube-router-vm2']);
    expect(snap.source.gaps).toEqual([
      expect.objectContaining({ what: 'node kube-router-vm1 dumps', code: 'timeout', reason: 'exec into probe pod kube-system/netx-probe-kube-router-vm1-hang1 was not answered within 400 ms (the API server or the node\'s kubelet did not complete the upgrade)' }),
    ]);
    expect(ctl.pods('kube-system')).toEqual([]);
  });

  it('--local-node: that node is probed with local commands, the others with debug pods', async () => {
    const { ctl, probeWith } = await setup();
    // addr only: a read of this machine's addresses, nothing else runs locally.
    const snap = await probeWith({ localNode: 'kube-router-vm1' }, { ...PLAN, nodes: { names: 'all', dumps: ['addr'] } });
    expect(snap.nodes['kube-router-vm1']!.probe).toMatchObject({ transport: 'local' });
    expect(JSON.parse(snap.nodes['kube-router-vm1']!.dumps.addr!.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ ifname: 'lo' })]));
    expect(snap.nodes['kube-router-vm2']!.probe).toMatchObject({ transport: 'debug-pod' });
    expect(ctl.created).toEqual(['netx-probe-kube-router-vm2-run1']);
  });

  it('skips unknown, NotReady and Windows nodes with a gap', async () => {
    const server = await TestApiServer.start({
      objects: {
        nodes: [
          { apiVersion: 'v1', kind: 'Node', metadata: { name: 'down' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
          { apiVersion: 'v1', kind: 'Node', metadata: { name: 'win', labels: { 'kubernetes.io/os': 'windows' } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
        ],
      },
    });
    servers.push(server);
    const ctl = servePods(server, { exec: fakeNodeBackend(fakeBin()) });
    const client = KubeClient.connect({ kubeconfig: server.writeKubeconfig(dir, { file: 'kc-down' }), requestTimeoutMs: 10_000, env: {} });
    const snap = await collectWith(client, { ...PLAN, nodes: { names: ['down', 'ghost', 'win'], dumps: [] } }, silentProgress, undefined, defaultProbeOptions());
    expect(snap.source.gaps).toEqual([
      { what: 'node down dumps', reason: 'node is not Ready: a probe pod would not start', code: 'unsupported' },
      { what: 'node ghost dumps', reason: 'no such node', code: 'not-found' },
      { what: 'node win dumps', reason: 'Windows node: the probe reads the Linux dataplane only', code: 'unsupported' },
    ]);
    expect(ctl.created).toEqual([]);
  });
});
