/**
 * Bench against the real cluster (docs/kube-lab.md): not part of `npm run bench` unless asked, because it needs the
 * kube-lab up. Run it with
 *   npm run kube-lab -- up [--proxy-mode iptables|nftables] && npm run build
 *   NETX_BENCH_KUBE_LAB=1 node bench/run.js live
 * Without NETX_BENCH_KUBE_LAB=1 it measures nothing and says so. KUBECONFIG (default: the lab's) names the cluster;
 * the lab's state file (/var/tmp/kubectl-netx-kube-lab/lab.json) names each node's init process, through which the
 * bench reads kube-proxy's rules on a node.
 *
 * 1. Live trace end to end: `kubectl netx trace client svc/web:80 --image netx.local/netx-debug:lab` (probe pods on
 *    the client's and the endpoints' nodes, exec, analysis, pods deleted) in fresh processes, interleaved with its floor
 *    (bench/live/pod-floor.mjs: one probe pod per probed node, created at once, Running, deleted, as the probe needs
 *    them) and `node -e ''`. Target: the trace takes ≤ 2 s beyond the pod starts (the floor).
 * 2. NETX_BENCH_LIVE_SERVICES (default 10,000) Services x 5 endpoints created in the apiserver (selector-less, with
 *    EndpointSlices to 10.128.0.0/10), the bench waits until node-1's kube-proxy has written them all (KUBE-SVC-
 *    chains, or the nft service-ips map), `kubectl netx collect -o FILE` (whole process; the file is regenerated
 *    by every run, in a temporary directory, never in git), then `trace client svc/NS/NAME:80 --snapshot FILE` to the
 *    middle and the last service, interleaved with the decode floor of node-1's dumps and `node -e ''`.
 * NETX_BENCH_REPEAT rounds (default 5); NETX_BENCH_LIVE_PARTS=trace,big picks the parts; NETX_BENCH_LIVE_PROBE_TIMEOUT
 * (default 10m) is collect's --probe-timeout; NETX_BENCH_LIVE_KEEP=DIR keeps the snapshot there and
 * NETX_BENCH_LIVE_SNAPSHOT=FILE reuses one (no create, no collect; with NETX_BENCH_LIVE_PARTS=big it needs no lab, and
 * the proxy mode is the one node-1's kube-proxy reported in the snapshot). The big objects stay in the cluster (a later
 * run reuses them); `down` ends them all.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rounds, summary } from './process.mjs';
import { kubeClient, pool } from './live/kube.mjs';
import { BIG_NAMESPACES, bigNamespace, bigObjects, bigService, TRACE_NS, traceWorkload } from './live/workload.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STATE = path.join(process.env.NETX_KUBE_LAB_STATE ?? '/var/tmp/kubectl-netx-kube-lab', 'lab.json');
const KUBECONFIG = process.env.KUBECONFIG ?? path.join(path.dirname(STATE), 'kubeconfig');
const IMAGE = 'netx.local/netx-debug:lab';
const REPEAT = Number(process.env.NETX_BENCH_REPEAT ?? 5);
const SERVICES = Number(process.env.NETX_BENCH_LIVE_SERVICES ?? 10000);
const PARTS = (process.env.NETX_BENCH_LIVE_PARTS ?? 'trace,big').split(',');
const TRACE_EXTRA_TARGET = 2;
// collect's bound for one node command: on a node with 10,000 services in iptables mode, nft 1.0.6 takes minutes to
// list the iptables-nft tables, past netx's default 90 s.
const PROBE_TIMEOUT = process.env.NETX_BENCH_LIVE_PROBE_TIMEOUT ?? '10m';
/** A snapshot an earlier run kept (NETX_BENCH_LIVE_KEEP): the big part then only runs the trace rounds on it. */
const REUSE = process.env.NETX_BENCH_LIVE_SNAPSHOT;

/** The proxy mode a node's kube-proxy reported when the snapshot was collected (its `proxyMode` dump). */
function reportedMode(snap, node) {
  const dump = snap.nodes?.[node]?.dumps?.proxyMode;
  if (dump?.exitCode !== 0 || dump.encoding === 'gzip+base64') throw new Error(`${REUSE}: no readable proxyMode dump of ${node}`);
  return dump.stdout.trim();
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');

/** Runs argv inside a lab node (its init's network, mount and PID namespaces), as the cluster tests do. */
function onNode(node, argv) {
  const m = JSON.parse(readFileSync(STATE, 'utf8')).machines.find((x) => x.label === node);
  if (!m) throw new Error(`no lab machine ${node} in ${STATE}`);
  return execFileSync('nsenter', [`--target=${m.initPid}`, '--net', '--mount', '--pid', '--uts', '--', ...argv], { maxBuffer: 1 << 30 }).toString('utf8');
}

/** Services kube-proxy has written on the node, and the proxy mode its rules show. */
function proxied(node) {
  const nat = onNode(node, ['iptables-save', '-t', 'nat']);
  if (/^:KUBE-SERVICES /m.test(nat)) return { mode: 'iptables', services: (nat.match(/^:KUBE-SVC-/gm) ?? []).length };
  const map = JSON.parse(onNode(node, ['nft', '-j', 'list', 'map', 'ip', 'kube-proxy', 'service-ips']));
  const elems = map.nftables.find((o) => o.map)?.map.elem ?? [];
  return { mode: 'nftables', services: elems.length };
}

async function ensure(client, obj, plural, group = '/api/v1') {
  const r = await client.request('POST', `${group}/namespaces/${obj.metadata.namespace}/${plural}`, obj);
  if (r.status !== 201 && r.status !== 409) throw new Error(`create ${plural} ${obj.metadata.namespace}/${obj.metadata.name}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
}

async function ensureNamespace(client, name) {
  const r = await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (r.status !== 201 && r.status !== 409) throw new Error(`create namespace ${name}: ${r.status}`);
}

async function setUpTrace(client, log) {
  await ensureNamespace(client, TRACE_NS);
  for (const o of traceWorkload()) await ensure(client, o, o.kind === 'Pod' ? 'pods' : 'services');
  log('waiting for the trace workload to be Ready');
  for (let i = 0; ; i++) {
    const pods = (await client.request('GET', `/api/v1/namespaces/${TRACE_NS}/pods`)).body.items;
    if (pods.length === 4 && pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) break;
    if (i > 120) throw new Error('trace workload not Ready after 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function setUpBig(client, log) {
  for (let n = 0; n < BIG_NAMESPACES; n++) await ensureNamespace(client, bigNamespace(n));
  const t0 = Date.now();
  const ids = Array.from({ length: SERVICES }, (_, i) => i);
  await pool(ids, 24, async (i) => {
    const { service, slice } = bigObjects(i);
    await ensure(client, service, 'services');
    await ensure(client, slice, 'endpointslices', '/apis/discovery.k8s.io/v1');
    if (i % 1000 === 999) log(`created ${i + 1} services and slices (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  });
  const created = (Date.now() - t0) / 1000;
  log(`waiting for node-1's kube-proxy to write ${SERVICES} more services`);
  const t1 = Date.now();
  for (;;) {
    const p = proxied('node-1');
    if (p.services >= SERVICES + 2) return { created, synced: (Date.now() - t1) / 1000, ...p };
    if (Date.now() - t1 > 600_000) throw new Error(`kube-proxy wrote ${p.services} services in 10 min`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Creates the big workload, waits for kube-proxy, runs collect once (timed); returns the snapshot's path. */
async function collectBig({ root, client, cli, kc, dir, mode, log, note, metrics }) {
  const big = await setUpBig(client, log);
  note(`${SERVICES} services x 5 endpoints: created in ${big.created.toFixed(0)} s; node-1's kube-proxy (${big.mode}) had them all ${big.synced.toFixed(0)} s later (${big.services} services in its rules)`);
  const file = path.join(dir, `live-${mode}-${SERVICES}.snapshot.json`);
  rmSync(file, { force: true });
  const collect = rounds(root, [{ name: 'collect', argv: [cli, 'collect', '-o', file, '--image', IMAGE, '--probe-timeout', PROBE_TIMEOUT, ...kc] }], 1, path.join(dir, 'usage.txt'), log);
  const c = summary(collect.get('collect'));
  note(fmtCase('kubectl netx collect -o FILE (whole cluster)', c, `; snapshot ${(statSync(file).size / 1e6).toFixed(1)} MB`));
  metrics.push({ name: 'collect, whole process', value: c.wall, unit: 's' });
  return file;
}

function fmtCase(name, s, extra = '') {
  return `${name}: ${s.wall.toFixed(2)} s (${s.spread}), CPU ${s.cpu.toFixed(2)} s, ${s.rssMb.toFixed(0)} MB${extra}`;
}

export default async function bench({ root, log }) {
  const name = 'live: the kube-lab (real kube-apiserver, kubelet, kube-proxy)';
  // Trace rounds on a kept snapshot read nothing from the cluster.
  const offline = REUSE !== undefined && !PARTS.includes('trace');
  if (process.env.NETX_BENCH_KUBE_LAB !== '1' && !offline) {
    return { name, notes: ['not run: needs the kube-lab up (npm run kube-lab -- up) and NETX_BENCH_KUBE_LAB=1; see bench/README.md, "live.bench.mjs"'], metrics: [] };
  }
  const node = path.join(root, 'node_modules', '.bin', 'node');
  const cli = path.join(root, 'bin', 'kubectl-netx');
  const kc = ['--kubeconfig', KUBECONFIG];
  const client = offline ? undefined : kubeClient(KUBECONFIG);
  const dir = process.env.NETX_BENCH_LIVE_KEEP ?? mkdtempSync(path.join(tmpdir(), 'netx-bench-live-'));
  mkdirSync(dir, { recursive: true });
  const notes = [];
  // Notes are logged as they come, so a part that fails later does not lose the figures before it.
  const note = (...xs) => xs.forEach((x) => (notes.push(x), log(x)));
  const metrics = [];
  const floorCase = { name: "floor: node -e ''", argv: [node, '-e', ''] };
  try {
    const reused = REUSE ? JSON.parse(readFileSync(REUSE, 'utf8')) : undefined;
    const mode = offline ? reportedMode(reused, 'node-1') : proxied('node-1').mode;
    note(`kube-proxy mode ${mode}; load average at the start ${load()}`);
    if (PARTS.includes('trace')) {
      await setUpTrace(client, log);
      const cases = [
        floorCase,
        { name: 'floor: probe pods on node-1 and node-2 (create, Running, delete)', argv: [node, path.join(HERE, 'live', 'pod-floor.mjs'), KUBECONFIG, IMAGE, 'node-1', 'node-2'] },
        { name: 'kubectl netx trace client svc/web:80 (live)', argv: [cli, 'trace', 'client', 'svc/web:80', '-n', TRACE_NS, '--image', IMAGE, ...kc] },
      ];
      const res = rounds(root, cases, REPEAT, path.join(dir, 'usage.txt'), log);
      const [f, pods, trace] = cases.map((c) => summary(res.get(c.name)));
      const extra = trace.wall - pods.wall;
      note(fmtCase(cases[0].name, f), fmtCase(cases[1].name, pods), fmtCase(cases[2].name, trace, `; ${(trace.wall / pods.wall).toFixed(1)}x the pod floor, +${extra.toFixed(2)} s`), `load average after the trace rounds ${load()}`);
      metrics.push({ name: 'live trace beyond the pod floor', value: extra, unit: 's', target: TRACE_EXTRA_TARGET });
    }
    if (PARTS.includes('big')) {
      // The traces start from the trace workload's client pod, so the snapshot must hold it.
      if (!REUSE && !PARTS.includes('trace')) await setUpTrace(client, log);
      const file = REUSE ?? (await collectBig({ root, client, cli, kc, dir, mode, log, note, metrics }));
      const snap = reused ?? JSON.parse(readFileSync(file, 'utf8'));
      for (const g of snap.source?.gaps ?? []) note(`collect named a gap: ${g.what}: ${g.reason}`);
      if (!snap.nodes?.['node-1']) throw new Error(`the snapshot holds no dumps of node-1 (${notes.join('; ')})`);
      const mid = bigService(Math.floor(SERVICES / 2) - 1);
      const last = bigService(SERVICES - 1);
      const cases = [
        floorCase,
        { name: "decode floor (read, JSON.parse, decode node-1's dumps)", argv: [node, path.join(HERE, 'trace', 'decode-floor.mjs'), file, 'node-1'] },
        { name: `trace --snapshot to the middle service ${mid.namespace}/${mid.name}`, argv: [cli, 'trace', `${TRACE_NS}/client`, `svc/${mid.namespace}/${mid.name}:80`, '--snapshot', file], exits: [0, 3] },
        { name: `trace --snapshot to the last service ${last.namespace}/${last.name}`, argv: [cli, 'trace', `${TRACE_NS}/client`, `svc/${last.namespace}/${last.name}:80`, '--snapshot', file], exits: [0, 3] },
      ];
      const res = rounds(root, cases, REPEAT, path.join(dir, 'usage.txt'), log);
      const s = cases.map((x) => summary(res.get(x.name)));
      cases.forEach((x, i) => note(fmtCase(x.name, s[i], i >= 2 ? `; ${(s[i].wall / s[1].wall).toFixed(1)}x the decode floor` : '')));
      note(`load average after the snapshot rounds ${load()}`);
      metrics.push({ name: `trace --snapshot, ${mode} 10k, middle`, value: s[2].wall, unit: 's', target: mode === 'iptables' ? 1 : 1.5 });
      metrics.push({ name: `trace --snapshot, ${mode} 10k, last`, value: s[3].wall, unit: 's', target: mode === 'iptables' ? 1 : 1.5 });
    }
  } finally {
    client?.close();
    if (!process.env.NETX_BENCH_LIVE_KEEP) rmSync(dir, { recursive: true, force: true });
  }
  return { name, notes, metrics };
}
