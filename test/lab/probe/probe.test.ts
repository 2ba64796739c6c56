/**
 * The probe on the real kernel. (a) Read-only proof: iptables (both backends, both families), the
 * nft ruleset, routes, rules, addresses and conntrack of every lab node are identical before and
 * after a full probe. (b) End to end: the test API server serves the lab's API objects and runs exec
 * in the lab's node namespaces, and the built CLI runs LIVE: kubeconfig → API → debug pod → exec →
 * real kernel dumps → trace / proxy-mode / collect.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { probeNode } from '../../../src/probe/node-probe.js';
import { PROXY_MODE_URL } from '../../../src/probe/catalogue.js';
import { NetnsTransport, spawnDump, type Transport } from '../../../src/probe/transport.js';
import { decodeDumpStdout } from '../../../src/snapshot/dump-encoding.js';
import type { DumpResult, Snapshot } from '../../../src/snapshot/types.js';
import { netnsBackend, servePods, TestApiServer, type PodsControl } from '../../support/api-server/index.js';
import { BIN, ensureBuilt } from '../../support/cli.js';
import { buildLab, type Lab } from '../build.js';
import { dumpLab } from '../dump.js';
import { run as runCmd } from '../exec.js';
import { deleteNetnsSync, newPrefix } from '../netns.js';
import { requireLab } from '../support.js';
import { standardSpec } from '../topologies.js';
let lab: Lab | undefined;
let server: TestApiServer | undefined;
let ctl: PodsControl | undefined;
let dir = '';
let kubeconfig = '';
let labSnapshot: Snapshot | undefined;

afterAll(async () => {
  await server?.close();
  await lab?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function theLab(): Promise<Lab> {
  lab ??= await buildLab(standardSpec('vxlan', 'iptables'));
  return lab;
}

const PROXY_MODE_PORT = new URL(PROXY_MODE_URL).port;

/**
 * Everything the probe could conceivably change, per component. Comment lines of the saves carry a
 * timestamp; nft -s leaves out counters (loopback traffic moves them); conntrack entries are compared
 * without their count-down timeout, and the probe's own connection attempt to kube-proxy's metrics
 * port (its one network action, see docs/probe.md) is set aside and checked separately.
 */
async function nodeState(ns: string): Promise<Record<string, string>> {
  const get = async (argv: string[]): Promise<string> => {
    const r = await runCmd(['ip', 'netns', 'exec', ns, ...argv], { check: false });
    return `${r.exitCode}\n${r.stdout}\n${r.stderr}`;
  };
  // Chain counters ([packets:bytes]) move with any packet, e.g. the probe's loopback connection.
  const noComments = (t: string): string =>
    t.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]$/, '[0:0]')).join('\n');
  const state: Record<string, string> = {
    'iptables-nft': noComments(await get(['iptables-nft-save'])),
    'iptables-legacy': noComments(await get(['iptables-legacy-save'])),
    'ip6tables-nft': noComments(await get(['ip6tables-nft-save'])),
    'ip6tables-legacy': noComments(await get(['ip6tables-legacy-save'])),
    nft: await get(['nft', '-s', 'list', 'ruleset']),
    route: await get(['ip', 'route', 'show', 'table', 'all']),
    route6: await get(['ip', '-6', 'route', 'show', 'table', 'all']),
    rule: await get(['ip', 'rule', 'show']),
    addr: await get(['ip', 'addr', 'show']),
    // Bridge timers count down on their own.
    link: (await get(['ip', '-d', 'link', 'show'])).replace(/(timer)\s+[\d.]+/g, '$1'),
    sysctl: await get(['sysctl', 'net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.all.forwarding']),
  };
  const ct = (await get(['conntrack', '-L'])).split('\n').filter((l) => /^(tcp|udp|icmp)/.test(l));
  const own = (l: string): boolean => l.includes(`dport=${PROXY_MODE_PORT} `) && l.includes('src=127.0.0.1 ');
  state.conntrack = ct.filter((l) => !own(l)).map((l) => l.replace(/^(\S+\s+\d+\s+)\d+\s/, '$1')).sort().join('\n');
  return state;
}

/** Waits until IPv6 duplicate address detection is over (addresses stop being tentative, local routes appear). */
async function settled(ns: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await runCmd(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'show'], { check: false });
    if (!/tentative/.test(r.stdout)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

const digest = (s: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex').slice(0, 16)]));

describe('probe on the lab', () => {
  it('(a) read-only: every node is byte-identical before and after a full probe; the dumps are real', async (ctx) => {
    requireLab(ctx);
    const l = await theLab();
    for (const node of l.plan.nodes) {
      const ns = l.nodeNs(node.name);
      await settled(ns);
      const before = await nodeState(ns);
      const capture = await probeNode(new NetnsTransport(ns), { dumps: [] });
      const after = await nodeState(ns);
      if (process.env.NETX_DEBUG_PROBE) for (const k of Object.keys(before)) if (before[k] !== after[k]) console.log(k, '\nBEFORE\n', before[k], '\nAFTER\n', after[k]);
      expect(digest(after), `node ${node.name}`).toEqual(digest(before));
      expect(after).toEqual(before);

      // The probe read the real thing: kube-proxy's iptables-nft rules, the backend from kubelet's hint chain.
      expect(capture.probe?.iptablesBackend).toMatchObject({ backend: 'nf_tables', certain: true });
      const save = decodeDumpStdout(capture.dumps.iptables!);
      expect(save.kind === 'text' && save.text).toMatch(/^:KUBE-SERVICES - /m);
      for (const key of ['addr', 'link', 'route', 'rule', 'neigh', 'fdb', 'iptables', 'ip6tables', 'nft', 'conntrack', 'sysctl']) {
        expect(capture.dumps[key]?.exitCode, `${node.name} ${key}: ${capture.dumps[key]?.stderr}`).toBe(0);
      }
      const model = buildNodeModel(node.name, capture);
      expect(model.warnings.filter((w) => w.code === 'parse-error' || w.code === 'dump-undecodable')).toEqual([]);
      expect(model.ruleset.tables.some((t) => t.origin === 'iptables-nft' && t.name === 'nat')).toBe(true);
      expect(model.routes.length).toBeGreaterThan(2);
    }
  });

  it('(a) read-only where creation would show: a namespace without any table still has none after a probe', async (ctx) => {
    requireLab(ctx);
    // Listing a table by name can create it (legacy iptables does); an empty namespace makes that visible.
    const ns = `${newPrefix()}empty`;
    await runCmd(['ip', 'netns', 'add', ns]);
    try {
      const capture = await probeNode(new NetnsTransport(ns), { dumps: [] });
      expect(capture.probe?.iptablesBackend).toMatchObject({ backend: 'nf_tables', certain: false });
      const after = await nodeState(ns);
      expect(after.nft).toBe('0\n\n');
      for (const f of ['ip_tables_names', 'ip6_tables_names']) {
        expect((await runCmd(['ip', 'netns', 'exec', ns, 'cat', `/proc/net/${f}`], { check: false })).stdout, f).toBe('');
      }
      // No IPVS in this kernel: ipvsadm is never started (it would modprobe ip_vs), and that is said.
      expect(capture.dumps.ipvs).toMatchObject({ exitCode: 0, stderr: expect.stringMatching(/\/proc\/net\/ip_vs absent/) });
    } finally {
      deleteNetnsSync(ns);
    }
  });

  it('(a) interface names from the node never reach a command: a link named `e=1` is skipped and said, the rest is read from /proc/sys', async (ctx) => {
    requireLab(ctx);
    const ns = `${newPrefix()}names`;
    await runCmd(['ip', 'netns', 'add', ns]);
    try {
      // The kernel accepts `=` in a link name; `sysctl net.ipv4.conf.e=1.rp_filter` would be a write.
      await runCmd(['ip', 'netns', 'exec', ns, 'ip', 'link', 'add', 'e=1', 'type', 'veth', 'peer', 'name', 'flannel.1']);
      await runCmd(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.conf.flannel/1.rp_filter=2']);
      const before = await nodeState(ns);
      const capture = await probeNode(new NetnsTransport(ns), { dumps: ['sysctl'] });
      expect(await nodeState(ns)).toEqual(before);
      const sysctl = capture.dumps.sysctl!;
      expect(sysctl.argv.slice(4).some((a) => a.includes('='))).toBe(false);
      expect(sysctl.stdout).toMatch(/^net\.ipv4\.conf\.flannel\/1\.rp_filter = 2$/m);
      expect(sysctl.stdout).not.toContain('e=1');
      expect(capture.probe?.errors?.filter((e) => e.what === 'sysctl')).toEqual([expect.objectContaining({ what: 'sysctl', reason: expect.stringMatching(/^interface name\(s\) "e=1" cannot be read safely as sysctl keys/) })]);
      // The simulator reads the value through the sysctl parser, as for any node.
      expect(buildNodeModel('names', capture).sysctl['net.ipv4.conf.flannel/1.rp_filter']).toBe('2');
    } finally {
      deleteNetnsSync(ns);
    }
  });

  it('(a) with only the capabilities the probe pod keeps (NET_ADMIN, NET_RAW: every other one dropped) every command still reads', async (ctx) => {
    requireLab(ctx);
    const l = await theLab();
    const node = l.plan.nodes[0]!;
    const ns = l.nodeNs(node.name);
    // As in the pod: the bounding set holds only the two capabilities, so no process of the probe has any other.
    const podLike: Transport = {
      kind: 'netns',
      exec: (argv, opts) => spawnDump(['ip', 'netns', 'exec', ns, 'setpriv', '--bounding-set=-all,+net_admin,+net_raw', '--inh-caps=-all', '--', ...argv], argv, opts),
      describe: () => ({ transport: `netns:${ns} (NET_ADMIN, NET_RAW only)` }),
    };
    const full = await probeNode(new NetnsTransport(ns), { dumps: [] });
    const reduced = await probeNode(podLike, { dumps: [] });
    for (const key of Object.keys(full.dumps)) {
      expect(reduced.dumps[key]?.exitCode, `${key}: ${reduced.dumps[key]?.stderr}`).toBe(full.dumps[key]!.exitCode);
    }
    // Same rules (the saves differ only in their timestamp comments and packet counters).
    const rules = (d: DumpResult | undefined): string => {
      const t = d ? decodeDumpStdout(d) : undefined;
      return t?.kind === 'text' ? t.text.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]$/, '')).join('\n') : '';
    };
    for (const key of ['iptables', 'ip6tables', 'iptables-legacy']) expect(rules(reduced.dumps[key]), key).toBe(rules(full.dumps[key]));
    expect(rules(reduced.dumps.iptables)).toMatch(/^-A KUBE-SERVICES /m);
    expect(reduced.dumps.sysctl?.stdout).toBe(full.dumps.sysctl?.stdout);
    expect(reduced.probe?.errors?.filter((e) => e.code !== 'missing-tool')).toEqual(full.probe?.errors?.filter((e) => e.code !== 'missing-tool'));
  });

  it('(b) end to end: trace, proxy-mode and collect run live through debug pods on the lab kernel', async (ctx) => {
    requireLab(ctx);
    const l = await theLab();
    ensureBuilt();
    // IPv6 DAD adds local routes a moment after the build: let it finish so both dumps see one kernel state.
    for (const n of l.plan.nodes) await settled(l.nodeNs(n.name));
    labSnapshot = await dumpLab(l);
    server = await TestApiServer.start({ snapshot: labSnapshot, serverVersion: labSnapshot.cluster.serverVersion });
    ctl = servePods(server, { exec: netnsBackend((node) => (l.plan.nodes.some((n) => n.name === node) ? l.nodeNs(node) : undefined)) });
    dir = mkdtempSync(path.join(os.tmpdir(), 'netx-lab-probe-'));
    kubeconfig = server.writeKubeconfig(dir);
    const snapFile = path.join(dir, 'lab.json');
    await import('../../../src/cli/snapshot-file.js').then((m) => m.writeSnapshotFile(snapFile, labSnapshot!));

    const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) =>
        execFile(BIN, args, { encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' } }, (e, stdout, stderr) =>
          resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const probePodsLeft = (): number => ctl!.pods().filter((p) => (p.metadata?.labels as Record<string, string> | undefined)?.['app.kubernetes.io/managed-by'] === 'kubectl-netx').length;

    // trace: client (node-a) → svc/web, live. Its endpoints are the pods the lab created.
    const live = await cli(['trace', 'client', 'svc/web', '-o', 'json', '--kubeconfig', kubeconfig]);
    expect(live.stderr, live.stderr).not.toMatch(/error/);
    expect(live.stdout.length, `exit ${live.code}: ${live.stderr}`).toBeGreaterThan(0);
    type Report = { disposition: string; traces: { disposition: string }[]; branches: { disposition: string; endpoint?: { pod?: string; node?: string } }[] };
    // One trace per service port (web: TCP 80 and UDP 53), in one document.
    const report = JSON.parse(live.stdout) as Report;
    expect(report.traces.length).toBe(2);
    const endpoints = (r: Report): string[] => [...new Set(r.branches.map((b) => `${b.endpoint?.pod}@${b.endpoint?.node}`))].sort();
    expect(report.traces.map((t) => t.disposition)).toEqual(['delivered', 'delivered']);
    expect(report.branches.every((b) => b.disposition === 'delivered')).toBe(true);
    // The endpoints the lab created, on the nodes it put them on.
    expect(endpoints(report)).toEqual(['default/web-0@node-a', 'default/web-1@node-b', 'default/web-2@node-b']);
    // The same question on the lab's own dump (netns transport) gives the same answer.
    const offlineRun = await cli(['trace', 'client', 'svc/web', '-o', 'json', '--snapshot', snapFile]);
    const offline = JSON.parse(offlineRun.stdout) as Report;
    expect(endpoints(report)).toEqual(endpoints(offline));
    expect(report.traces.map((t) => t.disposition)).toEqual(offline.traces.map((t) => t.disposition));
    expect(live.code).toBe(offlineRun.code);

    expect(ctl.created).toHaveLength(2);
    expect(probePodsLeft()).toBe(0);

    // proxy-mode: both nodes run iptables mode on the nf_tables backend, seen in the live dumps.
    const pm = await cli(['proxy-mode', '-o', 'json', '--kubeconfig', kubeconfig]);
    const pmReport = JSON.parse(pm.stdout) as { nodes: { node: string; probed: boolean; effective: { kind: string; mode?: string }; backend: unknown }[] };
    expect(pmReport.nodes.map((n) => [n.node, n.probed, n.effective.kind, n.effective.mode])).toEqual([
      ['node-a', true, 'known', 'iptables'],
      ['node-b', true, 'known', 'iptables'],
    ]);
    expect(JSON.stringify(pmReport.nodes[0]!.backend)).toMatch(/nf_tables/);
    expect(probePodsLeft()).toBe(0);

    // cidr reads API objects only (no probe): it runs live against the same server.
    const cidr = await cli(['cidr', '-o', 'json', '--kubeconfig', kubeconfig]);
    expect(cidr.code, cidr.stderr).toBe(0);
    expect((JSON.parse(cidr.stdout) as { nodes: { name: string }[] }).nodes.map((n) => n.name).sort()).toEqual(['node-a', 'node-b']);

    // collect: a complete snapshot, node dumps from the debug pods.
    const out = path.join(dir, 'live.json');
    const col = await cli(['collect', '-o', out, '--kubeconfig', kubeconfig]);
    expect(col.code).toBe(0);
    const snap = JSON.parse(readFileSync(out, 'utf8')) as Snapshot;
    expect(Object.keys(snap.nodes).sort()).toEqual(['node-a', 'node-b']);
    for (const [name, capture] of Object.entries(snap.nodes)) {
      expect(capture.probe).toMatchObject({ transport: 'debug-pod', pod: expect.stringMatching(new RegExp(`^kube-system/netx-probe-${name}-`)) });
      for (const key of ['addr', 'link', 'route', 'iptables', 'nft', 'conntrack', 'sysctl']) expect(capture.dumps[key]?.exitCode, `${name} ${key}`).toBe(0);
      expect(buildNodeModel(name, capture).warnings.filter((w) => w.code === 'parse-error')).toEqual([]);
    }
    expect(snap.source.gaps?.some((g) => /node .* dumps/.test(g.what)) ?? false).toBe(false);
    // Same raw outputs whatever the transport: the debug pod's route dump equals the lab's netns dump.
    for (const name of ['node-a', 'node-b']) {
      const viaPod = decodeDumpStdout(snap.nodes[name]!.dumps.route!);
      expect(viaPod).toEqual(decodeDumpStdout(labSnapshot.nodes[name]!.dumps.route!));
      expect(viaPod.kind).toBe('text');
      expect(snap.nodes[name]!.dumps.route!.argv).toEqual(labSnapshot.nodes[name]!.dumps.route!.argv);
    }
    expect(probePodsLeft()).toBe(0);
    expect(ctl.deleted.length).toBe(ctl.created.length);
    // Each run's anchor Job went with its pods.
    expect(ctl.jobs()).toEqual([]);
  });
});
