/**
 * Bench: parse a kube-proxy dump of 10,000 services x 5 endpoints, as iptables-save text (the lab renderer,
 * test/lab/kube-proxy) and as `nft -j list ruleset` JSON (a kernel dump of the same renderer's nftables
 * rules, scaled by cloning per-service objects: bench/parse-netfilter/scale-nft-json.mjs). Time and peak
 * RSS are reported as ratios to the read floor (read + split lines; for JSON read + JSON.parse, which any
 * JSON reader pays), each measured in a fresh process, median of NETX_BENCH_REPEAT (default 3) runs.
 * CPU time (user+system of the process) is reported next to wall time: on a shared, loaded machine wall
 * time mostly measures the other processes, so the notes also give the load average during the run.
 * Size can be lowered for a quick run: NETX_BENCH_SERVICES (a multiple of 20).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scaleNftJson } from './parse-netfilter/scale-nft-json.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVICES = Number(process.env.NETX_BENCH_SERVICES ?? 10000);
const ENDPOINTS = 5;
const REPEAT = Number(process.env.NETX_BENCH_REPEAT ?? 3);
const TARGET_RATIO = 4;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(entry, mode, file) {
  const runs = [];
  for (let i = 0; i < REPEAT; i++) {
    const out = execFileSync(process.execPath, ['--max-old-space-size=8192', path.join(HERE, 'parse-netfilter', 'measure.mjs'), entry, mode, file], { encoding: 'utf8' });
    runs.push(JSON.parse(out));
  }
  return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)), rssMb: median(runs.map((r) => r.rssMb)), count: runs[0].count };
}

export default async function bench({ root, log }) {
  log('compiling the parsers and the lab renderer');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(HERE, 'parse-netfilter', 'tsconfig.json')], { stdio: 'inherit' });
  const entry = path.join(root, 'node_modules', '.cache', 'netx-bench-netfilter', 'bench', 'parse-netfilter', 'entry.js');
  const mod = await import(pathToFileURL(entry).href);
  const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-nf-'));
  try {
    log(`rendering ${SERVICES} services x ${ENDPOINTS} endpoints`);
    const ipt = path.join(dir, 'iptables-save.rules');
    writeFileSync(ipt, mod.renderIptables(mod.syntheticServices(SERVICES, ENDPOINTS)));
    const nft = path.join(dir, 'nft.json');
    const template = readFileSync(path.join(root, 'test', 'fixtures', 'netfilter', 'synthetic-20x5.kube-proxy.nft.json'), 'utf8');
    writeFileSync(nft, scaleNftJson(template, Math.max(1, Math.round(SERVICES / 20))));

    log('measuring');
    const loadBefore = loadavg()[0];
    const split = measure(entry, 'split', ipt);
    const iptOnUse = measure(entry, 'iptables-on-use', ipt);
    const iptParse = measure(entry, 'iptables', ipt);
    const nftSplit = measure(entry, 'split', nft);
    const nftFloor = measure(entry, 'json', nft);
    const nftOnUse = measure(entry, 'nft-on-use', nft);
    const nftParse = measure(entry, 'nft', nft);
    const loadAfter = loadavg()[0];
    const mb = (f) => statSync(f).size / 1e6;
    const cpus = availableParallelism();
    return {
      name: `parse-netfilter: kube-proxy dump, ${SERVICES} services x ${ENDPOINTS} endpoints`,
      notes: [
        `iptables-save, rules translated on use (what netx does): ${iptOnUse.count} chains; parse ${(iptOnUse.ms / 1000).toFixed(2)} s wall / ${(iptOnUse.cpuMs / 1000).toFixed(2)} s CPU, ${iptOnUse.rssMb.toFixed(0)} MB peak RSS`,
        `iptables-save: ${mb(ipt).toFixed(1)} MB, ${split.count} lines, ${iptParse.count} rules; parse translating every rule ${(iptParse.ms / 1000).toFixed(2)} s wall / ${(iptParse.cpuMs / 1000).toFixed(2)} s CPU, ${iptParse.rssMb.toFixed(0)} MB peak RSS (floor read+split ${split.ms.toFixed(0)} ms wall / ${split.cpuMs.toFixed(0)} ms CPU, ${split.rssMb.toFixed(0)} MB)`,
        `nft -j, rules parsed on use (what netx does): ${nftOnUse.count} chains; parse ${(nftOnUse.ms / 1000).toFixed(2)} s wall / ${(nftOnUse.cpuMs / 1000).toFixed(2)} s CPU, ${nftOnUse.rssMb.toFixed(0)} MB peak RSS`,
        `nft -j: ${mb(nft).toFixed(1)} MB, ${nftParse.count} rules; parse translating every rule ${(nftParse.ms / 1000).toFixed(2)} s wall / ${(nftParse.cpuMs / 1000).toFixed(2)} s CPU, ${nftParse.rssMb.toFixed(0)} MB peak RSS (floor read+JSON.parse ${nftFloor.ms.toFixed(0)} ms wall / ${nftFloor.cpuMs.toFixed(0)} ms CPU, ${nftFloor.rssMb.toFixed(0)} MB; read+split ${nftSplit.ms.toFixed(0)} ms wall / ${nftSplit.cpuMs.toFixed(0)} ms CPU)`,
        `machine: ${cpus} CPUs, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after measuring; medians of ${REPEAT} fresh processes`,
      ],
      metrics: [
        { name: 'iptables-save parse time (rules on use) / read+split', value: iptOnUse.ms / split.ms, unit: 'x', target: TARGET_RATIO },
        { name: 'iptables-save peak RSS (rules on use) / read+split', value: iptOnUse.rssMb / split.rssMb, unit: 'x', target: TARGET_RATIO },
        { name: 'iptables-save parse time, every rule translated / read+split', value: iptParse.ms / split.ms, unit: 'x' },
        { name: 'iptables-save peak RSS, every rule translated / read+split', value: iptParse.rssMb / split.rssMb, unit: 'x' },
        { name: 'nft -j parse time (rules on use) / read+JSON.parse', value: nftOnUse.ms / nftFloor.ms, unit: 'x', target: TARGET_RATIO },
        { name: 'nft -j peak RSS (rules on use) / read+JSON.parse', value: nftOnUse.rssMb / nftFloor.rssMb, unit: 'x', target: TARGET_RATIO },
        { name: 'nft -j parse time, every rule / read+JSON.parse', value: nftParse.ms / nftFloor.ms, unit: 'x', target: TARGET_RATIO },
        { name: 'nft -j peak RSS, every rule / read+JSON.parse', value: nftParse.rssMb / nftFloor.rssMb, unit: 'x', target: TARGET_RATIO },
        { name: 'nft -j parse time (rules on use) / read+split', value: nftOnUse.ms / nftSplit.ms, unit: 'x' },
        { name: 'nft -j parse time, every rule / read+split', value: nftParse.ms / nftSplit.ms, unit: 'x' },
        { name: 'iptables-save parse CPU (rules on use) / read+split CPU', value: iptOnUse.cpuMs / split.cpuMs, unit: 'x' },
        { name: 'iptables-save parse CPU, every rule translated / read+split CPU', value: iptParse.cpuMs / split.cpuMs, unit: 'x' },
        { name: 'nft -j parse CPU (rules on use) / read+JSON.parse CPU', value: nftOnUse.cpuMs / nftFloor.cpuMs, unit: 'x' },
        { name: 'nft -j parse CPU, every rule / read+JSON.parse CPU', value: nftParse.cpuMs / nftFloor.cpuMs, unit: 'x' },
        { name: 'nft -j parse CPU (rules on use) / read+split CPU', value: nftOnUse.cpuMs / nftSplit.cpuMs, unit: 'x' },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
