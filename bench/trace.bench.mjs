/**
 * Bench: `trace` from a pod to a service on a node whose netfilter dump is the synthetic kube-proxy
 * ruleset for 10,000 services x 5 endpoints, in iptables mode (iptables-save text) and nftables mode (nft -j),
 * to a service in the middle and the last one of the ruleset, on snapshots written as `collect` writes them.
 * Two views of the same trace:
 * - whole process: the built CLI (`bin/kubectl-netx trace client svc/NS/NAME:80 --snapshot FILE`) start to exit, beside
 *   its floors in the same interleaved rounds (`node -e ''`; the decode floor: read the file, JSON.parse, decode
 *   node-a's dumps), median with min–max (bench/process.mjs). Target: <= 1 s (iptables), <= 1.5 s (nft).
 * - phases: one fresh process per figure (bench/trace/measure.mjs), each first loading the snapshot outside the clock:
 *   parse every rule, parse on use (what the node model runs), build both node models, the walk as netx runs it
 *   (models built on use before the clock; it translates the chains it reaches), the simulator alone (every rule
 *   translated before the clock), and the trace after loading. Target: the walk adds <= 20% to the parse netx runs
 *   (on use); the every-rule parse is printed as the reference the target once used.
 * The dumps are the parse bench's (bench/parse-netfilter: lab renderer + scaled kernel nft dump); the snapshots
 * around them are described in bench/trace/make-snapshot.mjs. NETX_BENCH_SERVICES (a multiple of 20) lowers the size;
 * NETX_BENCH_REPEAT (default 3) sets the runs of each figure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeSnapshots, nftServices } from './trace/make-snapshot.mjs';
import { median, rounds, spread, summary } from './process.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVICES = Number(process.env.NETX_BENCH_SERVICES ?? 10000);
const ENDPOINTS = 5;
const REPEAT = Number(process.env.NETX_BENCH_REPEAT ?? 3);
const WALK_TARGET = 0.2; // walk / parse
const TRACE_TARGET_S = { iptables: 1, nft: 1.5 };

function measure(entry, mode, file, kind, target) {
  const runs = [];
  for (let i = 0; i < REPEAT; i++) {
    const out = execFileSync(process.execPath, ['--max-old-space-size=8192', path.join(HERE, 'trace', 'measure.mjs'), entry, mode, file, kind, target ?? '-/-'], { encoding: 'utf8' });
    runs.push(JSON.parse(out));
  }
  const m = (k) => median(runs.map((r) => r[k]));
  return { ms: m('ms'), spread: spread(runs.map((r) => r.ms / 1000)), cpuMs: m('cpuMs'), rssMb: m('rssMb'), loadMs: m('loadMs'), detail: runs[0].detail };
}

/** Middle and last service of the ruleset, TCP port 80 in both dumps (same ClusterIPs: 10.96.19.136, 10.96.39.16). */
function targets(n) {
  const mid = Math.floor(n / 2) - 1;
  const last = n - 1;
  const clone = (i) => `ns-${i % 20}/svc-${i % 20}${i < 20 ? '' : `x${Math.floor(i / 20)}`}`;
  return {
    iptables: [{ where: 'middle', svc: `ns-${mid % 50}/svc-${mid}` }, { where: 'last', svc: `ns-${last % 50}/svc-${last}` }],
    nft: [{ where: 'middle', svc: clone(mid) }, { where: 'last', svc: clone(last) }],
  };
}

export default async function bench({ root, log }) {
  log('compiling the trace use case, the parsers and the lab renderer');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(HERE, 'trace', 'tsconfig.json')], { stdio: 'inherit' });
  const out = path.join(root, 'node_modules', '.cache', 'netx-bench-trace');
  // src/snapshot/io.ts reads its schema relative to itself.
  mkdirSync(path.join(out, 'schemas'), { recursive: true });
  copyFileSync(path.join(root, 'schemas', 'snapshot.schema.json'), path.join(out, 'schemas', 'snapshot.schema.json'));
  const entry = path.join(out, 'bench', 'trace', 'entry.js');
  const mod = await import(pathToFileURL(entry).href);
  if (SERVICES % 20 !== 0 || SERVICES < 40) throw new Error('NETX_BENCH_SERVICES must be a multiple of 20, at least 40');

  const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-trace-'));
  try {
    log(`building snapshots: ${SERVICES} services x ${ENDPOINTS} endpoints`);
    const input = mod.syntheticServices(SERVICES, ENDPOINTS);
    const snaps = makeSnapshots(root, input, mod.renderIptables(input), nftServices(input, mod.syntheticServices(20, ENDPOINTS)), SERVICES / 20, mod.encodeGzipBase64, mod.serializeSnapshot);
    const files = { iptables: path.join(dir, 'iptables.snapshot.json'), nft: path.join(dir, 'nft.snapshot.json') };
    writeFileSync(files.iptables, snaps.iptables);
    writeFileSync(files.nft, snaps.nft);

    const loadBefore = loadavg()[0];
    const notes = [];
    const metrics = [];
    wholeProcess(root, files, log, notes, metrics);
    for (const kind of ['iptables', 'nft']) {
      log(`measuring ${kind} phases`);
      const parseAll = measure(entry, 'parse-all', files[kind], kind);
      const parse = measure(entry, 'parse', files[kind], kind);
      const build = measure(entry, 'build', files[kind], kind);
      notes.push(
        `${kind}: snapshot ${(statSync(files[kind]).size / 1e6).toFixed(1)} MB (loaded in ${(parse.loadMs / 1000).toFixed(2)} s, outside the clock), node-a ${parse.detail.chains} chains; ` +
          `parse translating every rule ${ms(parseAll)}, ${parseAll.rssMb.toFixed(0)} MB peak RSS; parse with rules on use ${ms(parse)}, ${parse.rssMb.toFixed(0)} MB; ` +
          `build both node models (on use) ${ms(build)}, ${build.rssMb.toFixed(0)} MB`,
      );
      metrics.push({ name: `${kind}: parse on use / parse every rule (time)`, value: parse.ms / parseAll.ms, unit: 'x' });
      for (const t of targets(SERVICES)[kind]) {
        const walk = measure(entry, 'walk', files[kind], kind, t.svc);
        const sim = measure(entry, 'sim', files[kind], kind, t.svc);
        const trace = measure(entry, 'trace', files[kind], kind, t.svc);
        const d = trace.detail;
        notes.push(
          `  → svc/${t.svc} (${t.where}): walk as netx runs it ${ms(walk)}; simulator alone (every rule translated before) ${ms(sim)}; trace after loading ${ms(trace)}, ${trace.rssMb.toFixed(0)} MB peak RSS; ` +
            `${d.disposition}, ${d.branches} paths, ${d.steps} steps, findings ${d.findings.join(',') || 'none'}, ${d.textLines} lines of text, node models built ${d.builds}x`,
        );
        const tag = `${kind} ${t.where}`;
        metrics.push(
          { name: `${tag}: walk / parse on use (time)`, value: walk.ms / parse.ms, unit: 'x', target: WALK_TARGET },
          { name: `${tag}: walk / parse on use (CPU)`, value: walk.cpuMs / parse.cpuMs, unit: 'x' },
          { name: `${tag}: walk / parse every rule (time)`, value: walk.ms / parseAll.ms, unit: 'x' },
          { name: `${tag}: simulator alone / parse on use (time)`, value: sim.ms / parse.ms, unit: 'x' },
          { name: `${tag}: trace after loading`, value: trace.ms / 1000, unit: 's' },
          { name: `${tag}: trace after loading, CPU`, value: trace.cpuMs / 1000, unit: 's' },
        );
      }
    }
    const loadAfter = loadavg()[0];
    notes.push(`machine: ${availableParallelism()} CPUs, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after measuring; medians of ${REPEAT} fresh processes`);
    return { name: `trace: pod → service, kube-proxy ruleset of ${SERVICES} services x ${ENDPOINTS} endpoints (iptables and nft)`, notes, metrics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (m) => `${m.ms.toFixed(0)} ms wall (${m.spread} s) / ${m.cpuMs.toFixed(0)} ms CPU`;

/** The built CLI as a user runs it, interleaved with its floors: `node -e ''` and the decode floor of each snapshot. */
function wholeProcess(root, files, log, notes, metrics) {
  const node = path.join(root, 'node_modules', '.bin', 'node');
  const cli = path.join(root, 'bin', 'kubectl-netx');
  const cases = [
    { name: "floor: node -e ''", argv: [node, '-e', ''] },
    ...['iptables', 'nft'].flatMap((kind) => [
      { name: `${kind}: decode floor`, kind, argv: [node, path.join(HERE, 'trace', 'decode-floor.mjs'), files[kind], 'node-a'] },
      ...targets(SERVICES)[kind].map((t) => ({ name: `${kind} ${t.where}: kubectl netx trace client svc/${t.svc}:80 --snapshot FILE`, kind, trace: true, argv: [cli, 'trace', 'client', `svc/${t.svc}:80`, '--snapshot', files[kind]], exits: [0, 3] })),
    ]),
  ];
  log(`whole process: ${REPEAT} rounds of ${cases.length} processes`);
  const results = rounds(root, cases, REPEAT, path.join(path.dirname(files.iptables), 'usage.txt'), log);
  const s = new Map(cases.map((c) => [c.name, summary(results.get(c.name))]));
  for (const c of cases) {
    const r = s.get(c.name);
    const floor = c.trace ? s.get(`${c.kind}: decode floor`) : undefined;
    notes.push(`${c.name}: ${r.wall.toFixed(3)} s (${r.spread}), CPU ${r.cpu.toFixed(2)} s, ${r.rssMb.toFixed(0)} MB${floor ? `; ${(r.wall / floor.wall).toFixed(2)}x the decode floor` : ''}`);
    if (c.trace) metrics.push({ name: `${c.name.split(':')[0]}: whole process`, value: r.wall, unit: 's', target: TRACE_TARGET_S[c.kind] });
  }
}
