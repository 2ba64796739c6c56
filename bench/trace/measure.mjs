/**
 * One measurement in a fresh process: `measure.mjs <entry.js> <mode> <snapshot.json> <iptables|nft> <ns/svc>` prints
 * {"ms", "cpuMs", "rssMb", "loadMs", "detail"}. Every mode first loads the snapshot (read + parseSnapshot, outside the
 * clock, reported as loadMs) so all modes share the same baseline; then the clock runs over:
 * - parse: node-a's synthetic netfilter dump through its parser (parseIptablesSave / parseNftJson) — the reference;
 * - build: buildNodeModel for every node (node-a's includes that parse);
 * - walk: traceRequest with the node models built before the clock (resolve, world, simulate, findings);
 * - trace: traceRequest with buildNodeModel, then renderTraces as text — what `trace --snapshot` does after loading.
 * rssMb is the process's peak RSS (snapshot included); cpuMs is user+system CPU over the clocked part.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, mode, file, kind, target] = process.argv.slice(2);
const mod = await import(pathToFileURL(entry).href);
const request = { src: 'client', dst: `svc/${target}:80`, namespace: 'default' };

const l0 = process.hrtime.bigint();
const snapshot = mod.parseSnapshot(readFileSync(file, 'utf8'), file);
const loadMs = Number(process.hrtime.bigint() - l0) / 1e6;
const nodes = Object.keys(snapshot.nodes);
let prebuilt;
if (mode === 'walk') prebuilt = new Map(nodes.map((n) => [n, mod.buildNodeModel(n, snapshot.nodes[n])]));
const dumpText = kind === 'nft' ? snapshot.nodes['node-a'].dumps.nft.stdout : snapshot.nodes['node-a'].dumps.iptables.stdout;

const cpu0 = process.cpuUsage();
const started = process.hrtime.bigint();
let detail;
if (mode === 'parse') {
  const r = kind === 'nft' ? mod.parseNftJson(dumpText, { source: 'nft' }) : mod.parseIptablesSave(dumpText, { source: 'iptables', family: 'ip', origin: 'iptables-nft' });
  detail = { rules: r.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0) };
} else if (mode === 'build') {
  const models = nodes.map((n) => mod.buildNodeModel(n, snapshot.nodes[n]));
  detail = { rules: models[nodes.indexOf('node-a')].ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0) };
} else if (mode === 'walk' || mode === 'trace') {
  let builds = 0;
  const buildNode = mode === 'walk' ? (n) => (builds++, prebuilt.get(n)) : (n, c) => (builds++, mod.buildNodeModel(n, c));
  const { traces } = mod.traceRequest(snapshot, request, { buildNode });
  const text = mode === 'trace' ? mod.renderTraces(traces, 'text', false) : '';
  const t = traces[0];
  detail = {
    builds,
    disposition: t.disposition,
    branches: t.branches.length,
    endpoints: [...new Set(t.branches.map((b) => b.endpoint?.ip).filter(Boolean))].length,
    steps: t.branches.reduce((n, b) => n + b.hops.reduce((m, h) => m + h.steps.length, 0), 0),
    findings: t.findings.map((f) => f.code),
    textLines: text.split('\n').length,
  };
} else throw new Error(`unknown mode ${mode}`);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.resourceUsage().maxRSS / 1024, loadMs, detail }));
