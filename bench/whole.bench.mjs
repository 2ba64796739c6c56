/**
 * Bench: netx as the user measures it — the built CLI (`bin/kubectl-netx`) in fresh processes, start to exit — beside
 * the floors measured in the same rounds (interleaved, so the machine's load hits all alike):
 * - `node -e ''` by the same pinned Node binary (node_modules/.bin/node): the floor of any command;
 * - `kubectl netx --help`, and `trace client svc/web:80` on examples/lab-flannel-iptables (targets: ≤ 4x and ≤ 8x
 *   that floor);
 * - `trace client svc/NS/NAME:80` on the trace bench's 10,000 services x 5 endpoints snapshots (bench/trace/
 *   make-snapshot.mjs: large dumps gzip+base64 as collect writes them), iptables-save and nft -j, to the middle and
 *   the last service of the ruleset (targets: ≤ 1 s and ≤ 1.5 s wall, ≤ 2x the decode floor);
 * - the decode floor (bench/trace/decode-floor.mjs): read that snapshot, parse its JSON and decode every dump of
 *   node-a, the only node on the path, in a plain Node process: what any offline answer pays.
 * NETX_BENCH_REPEAT rounds (default 5): median wall with min–max, CPU time and peak RSS (GNU time, bench/process.mjs).
 * NETX_BENCH_SERVICES (a multiple of 20) changes the size: at 50,000 the targets are ≤ 3 s and ≤ 600 MB.
 * NETX_BENCH_BEFORE=DIR also runs the netx cases with another built checkout's bin/run.js (an earlier commit, with
 * its own dist/) in the same rounds: before and after under the same load.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeSnapshots, nftServices } from './trace/make-snapshot.mjs';
import { rounds, summary } from './process.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVICES = Number(process.env.NETX_BENCH_SERVICES ?? 10000);
const REPEAT = Number(process.env.NETX_BENCH_REPEAT ?? 5);
const big = SERVICES > 10000;
const TARGETS = { iptables: big ? 3 : 1, nft: big ? 3 : 1.5 };
const RSS_TARGET_MB = big ? 600 : undefined;
const BEFORE = process.env.NETX_BENCH_BEFORE;

/** Middle and last service of the ruleset (the trace bench's: same ClusterIPs in both dumps). */
function targets(n) {
  const mid = Math.floor(n / 2) - 1;
  const last = n - 1;
  const clone = (i) => `ns-${i % 20}/svc-${i % 20}${i < 20 ? '' : `x${Math.floor(i / 20)}`}`;
  return {
    iptables: [['middle', `ns-${mid % 50}/svc-${mid}`], ['last', `ns-${last % 50}/svc-${last}`]],
    nft: [['middle', clone(mid)], ['last', clone(last)]],
  };
}

export default async function bench({ root, log }) {
  log('compiling the snapshot generator (bench/trace/tsconfig.json)');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(HERE, 'trace', 'tsconfig.json')], { stdio: 'inherit' });
  const mod = await import(pathToFileURL(path.join(root, 'node_modules', '.cache', 'netx-bench-trace', 'bench', 'trace', 'entry.js')).href);
  if (SERVICES % 20 !== 0 || SERVICES < 40) throw new Error('NETX_BENCH_SERVICES must be a multiple of 20, at least 40');
  const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-whole-'));
  try {
    log(`building snapshots: ${SERVICES} services x 5 endpoints`);
    const input = mod.syntheticServices(SERVICES, 5);
    const snaps = makeSnapshots(root, input, mod.renderIptables(input), nftServices(input, mod.syntheticServices(20, 5)), SERVICES / 20, mod.encodeGzipBase64, mod.serializeSnapshot);
    const files = { iptables: path.join(dir, 'iptables.snapshot.json'), nft: path.join(dir, 'nft.snapshot.json') };
    for (const kind of ['iptables', 'nft']) writeFileSync(files[kind], snaps[kind]);

    const node = path.join(root, 'node_modules', '.bin', 'node');
    const cli = path.join(root, 'bin', 'kubectl-netx');
    const lab = path.join(root, 'examples', 'lab-flannel-iptables.snapshot.json');
    const cases = [
      { name: "floor: node -e ''", argv: [node, '-e', ''] },
      { name: 'kubectl netx --help', argv: [cli, '--help'], floorTarget: 4 },
      { name: 'trace client svc/web:80, lab snapshot', argv: [cli, 'trace', 'client', 'svc/web:80', '--snapshot', lab], floorTarget: 8 },
      ...['iptables', 'nft'].flatMap((kind) => [
        { name: `${kind}: decode floor (read, JSON.parse, decode node-a's dumps)`, kind, argv: [node, path.join(HERE, 'trace', 'decode-floor.mjs'), files[kind], 'node-a'] },
        ...targets(SERVICES)[kind].map(([where, svc]) => ({ name: `${kind}: trace to the ${where} service`, kind, trace: true, argv: [cli, 'trace', 'client', `svc/${svc}:80`, '--snapshot', files[kind]], exits: [0, 3] })),
      ]),
    ];
    // The same netx command lines run by the earlier checkout (through the same pinned Node).
    if (BEFORE) cases.push(...cases.filter((c) => c.argv[0] === cli).map((c) => ({ ...c, name: `before: ${c.name}`, before: true, argv: [node, path.join(BEFORE, 'bin', 'run.js'), ...c.argv.slice(1)] })));
    const loadBefore = loadavg();
    const results = rounds(root, cases, REPEAT, path.join(dir, 'rss.json'), log);
    const loadAfter = loadavg();
    const s = new Map(cases.map((c) => [c.name, summary(results.get(c.name))]));
    const floor = s.get(cases[0].name).wall;
    const decodeFloor = (kind) => s.get(cases.find((c) => c.kind === kind && !c.trace).name).wall;
    const notes = [];
    const metrics = [];
    for (const c of cases) {
      const m = s.get(c.name);
      notes.push(`${c.name}: ${m.wall.toFixed(3)} s wall (${m.spread}), ${m.cpu.toFixed(2)} s CPU, ${m.rssMb.toFixed(0)} MB peak RSS`);
      if (c.before) {
        metrics.push({ name: `${c.name}, median wall`, value: m.wall, unit: 's' }, { name: `${c.name} / floor`, value: m.wall / floor, unit: 'x' });
        continue;
      }
      metrics.push({ name: `${c.name}, median wall`, value: m.wall, unit: 's', ...(c.trace ? { target: TARGETS[c.kind] } : {}) });
      if (c.floorTarget) metrics.push({ name: `${c.name} / floor`, value: m.wall / floor, unit: 'x', target: c.floorTarget });
      if (c.trace) {
        metrics.push({ name: `${c.name} / decode floor`, value: m.wall / decodeFloor(c.kind), unit: 'x', target: 2 });
        metrics.push({ name: `${c.name}, peak RSS`, value: m.rssMb, unit: 'MB', ...(RSS_TARGET_MB ? { target: RSS_TARGET_MB } : {}) });
      }
    }
    for (const kind of ['iptables', 'nft']) notes.push(`${kind} snapshot: ${(statSync(files[kind]).size / 1e6).toFixed(1)} MB`);
    notes.push(`machine: ${availableParallelism()} CPUs, load average ${loadBefore.map((l) => l.toFixed(1)).join(' / ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' / ')} after; ${REPEAT} rounds, each case once per round`);
    return { name: `whole process: help, lab trace, trace on ${SERVICES.toLocaleString('en-US')} services x 5 endpoints, beside their floors`, notes, metrics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
