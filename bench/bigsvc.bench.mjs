/**
 * Bench: `trace` to a service with 5,000 endpoints, the whole process as a user runs it —
 * `bin/kubectl-netx trace client svc/big:80 --snapshot FILE` (text, and `-o json`) — in kube-proxy's iptables
 * mode and nftables mode. Target: under 2 s wall time.
 *
 * The snapshots are test/support/big-service.ts's (the tests use the same generator): a bundled lab snapshot
 * (examples/lab-flannel-iptables: VXLAN; examples/lab-hostgw-nftables: host-gw) grown to 50 nodes of 100
 * endpoints each (workers cloned from node-b), every node's kube-proxy rules holding the service as the lab's
 * kube-proxy renderers (test/lab/kube-proxy) write it, dumps gzip+base64 as `collect` stores large ones.
 *
 * Each figure is NETX_BENCH_REPEAT fresh processes (default 5): median with min–max. `node -e ''` is measured in
 * the same rounds (interleaved) as the floor of this machine at that moment: the machine is shared, and the
 * ratio to the floor is the steadier figure. Peak RSS and CPU time come from GNU time (bench/process.mjs).
 * NETX_BENCH_ENDPOINTS changes the size.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, rounds, spread } from './process.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENDPOINTS = Number(process.env.NETX_BENCH_ENDPOINTS ?? 5000);
const REPEAT = Number(process.env.NETX_BENCH_REPEAT ?? 5);
const TARGET_S = 2;
const MODES = ['iptables', 'nftables'];

export default async function bench({ root, log }) {
  log('compiling the snapshot generator (test/support/big-service.ts)');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(HERE, 'bigsvc', 'tsconfig.json')], { stdio: 'inherit' });
  const gen = await import(pathToFileURL(path.join(root, 'node_modules', '.cache', 'netx-bench-bigsvc', 'bench', 'bigsvc', 'entry.js')).href);
  const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-bigsvc-'));
  try {
    const files = {};
    for (const mode of MODES) {
      log(`building the ${mode} snapshot: ${ENDPOINTS} endpoints`);
      const base = JSON.parse(readFileSync(path.join(root, gen.BASE_SNAPSHOT[mode]), 'utf8'));
      files[mode] = path.join(dir, `${mode}.snapshot.json`);
      writeFileSync(files[mode], gen.serializeSnapshot(gen.bigServiceSnapshot(base, mode, { endpoints: ENDPOINTS })));
    }
    const cli = path.join(root, 'bin', 'kubectl-netx');
    const node = path.join(root, 'node_modules', '.bin', 'node');
    const rss = path.join(dir, 'rss.json');
    const cases = [
      { name: 'floor: node -e ""', argv: [node, '-e', ''] },
      ...MODES.flatMap((mode) => [
        { name: `${mode}: trace (text)`, mode, argv: [cli, 'trace', 'client', `svc/${gen.BIG.name}:${gen.BIG.port}`, '--snapshot', files[mode]] },
        { name: `${mode}: trace -o json`, mode, argv: [cli, 'trace', 'client', `svc/${gen.BIG.name}:${gen.BIG.port}`, '--snapshot', files[mode], '-o', 'json'] },
      ]),
    ];
    const loadBefore = loadavg()[0];
    const results = rounds(root, cases, REPEAT, rss, log);
    const loadAfter = loadavg()[0];
    const floor = median(results.get(cases[0].name).map((r) => r.wall));
    const notes = [];
    const metrics = [];
    for (const c of cases) {
      const rs = results.get(c.name);
      const walls = rs.map((r) => r.wall);
      const last = rs[rs.length - 1];
      if (c.mode) {
        const detail = c.name.endsWith('json') ? jsonDetail(last.stdout) : textDetail(last.stdout);
        notes.push(`${c.name}: ${median(walls).toFixed(2)} s wall (${spread(walls)}), ${median(rs.map((r) => r.cpu)).toFixed(2)} s CPU, ${median(rs.map((r) => r.rssMb)).toFixed(0)} MB peak RSS, ${(last.bytes / 1e6).toFixed(2)} MB of output; ${detail}`);
        metrics.push({ name: `${c.name}, median wall`, value: median(walls), unit: 's', target: TARGET_S });
        metrics.push({ name: `${c.name}, median wall / floor`, value: median(walls) / floor, unit: 'x' });
      } else {
        notes.push(`${c.name}: ${median(walls).toFixed(3)} s wall (${spread(walls)})`);
        metrics.push({ name: `${c.name}, median wall`, value: median(walls), unit: 's' });
      }
    }
    for (const mode of MODES) notes.push(`${mode} snapshot: ${(statSync(files[mode]).size / 1e6).toFixed(1)} MB`);
    notes.push(`machine: ${availableParallelism()} CPUs, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after; ${REPEAT} rounds, each case once per round`);
    return { name: `trace: pod → service with ${ENDPOINTS.toLocaleString('en-US')} endpoints on ${Math.ceil(ENDPOINTS / 100)} nodes (iptables and nftables mode, whole process)`, notes, metrics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function textDetail(out) {
  const lines = out.split('\n');
  return `${lines.length} lines; "${lines[1]}"; "${(lines.find((l) => /endpoints on/.test(l)) ?? '').trim()}"`;
}

function jsonDetail(out) {
  const doc = JSON.parse(out);
  const eps = doc.branches.flatMap((b) => b.endpoints ?? []);
  return `${doc.disposition}, ${doc.branches.length} paths listing ${eps.length} endpoints (odds summing to ${eps.reduce((s, e) => s + e.probability, 0).toFixed(6)}), findings ${doc.findings.map((f) => f.code).join(',')}`;
}
