/**
 * One measurement in a fresh process: `measure.mjs <entry.js> <mode> <snapshot.json> <iptables|nft> <ns/svc>` prints
 * {"ms", "cpuMs", "rssMb", "loadMs", "detail"}. Every mode first loads the snapshot (read + parseSnapshot, outside the
 * clock, reported as loadMs) so all modes share the same baseline; then the clock runs over:
 * - parse-all: node-a's synthetic netfilter dump through its parser with every rule translated (parseIptablesSave /
 *   parseNftJson, eager) — the reference for the walk;
 * - parse: the same with rules translated on use, as the node model reads it (tables and chains only);
 * - build: buildNodeModel for every node (node-a's includes that parse);
 * - walk: traceRequest with node models built as netx builds them (rules on use) before the clock: resolve, world,
 *   translating the chains the packet reaches, simulate, findings — the walk as netx runs it;
 * - sim: the same with every rule translated before the clock too: the simulator's own cost;
 * - trace: traceRequest with buildNodeModel, then renderTraces as text — what `trace --snapshot` does after loading
 *   (parse on use + build + translating the chains the packet reaches + walk + render).
 * rssMb is the process's peak RSS (snapshot included); cpuMs is user+system CPU over the clocked part. `detail.chains`
 * counts chains rather than rules so that counting does not translate every iptables rule.
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
if (mode === 'walk' || mode === 'sim') {
  prebuilt = new Map(nodes.map((n) => [n, mod.buildNodeModel(n, snapshot.nodes[n])]));
  if (mode === 'sim') for (const m of prebuilt.values()) for (const t of m.ruleset.tables) for (const c of t.chains) void c.rules;
}
const dumpText = mod.decodeDumpStdout(kind === 'nft' ? snapshot.nodes['node-a'].dumps.nft : snapshot.nodes['node-a'].dumps.iptables).text;

const cpu0 = process.cpuUsage();
const started = process.hrtime.bigint();
let detail;
if (mode === 'parse' || mode === 'parse-all') {
  const rules = mode === 'parse' ? 'on-use' : 'eager';
  const r = kind === 'nft' ? mod.parseNftJson(dumpText, { source: 'nft', rules }) : mod.parseIptablesSave(dumpText, { source: 'iptables', family: 'ip', origin: 'iptables-nft', rules });
  detail = { chains: r.tables.reduce((n, t) => n + t.chains.length, 0) };
} else if (mode === 'build') {
  const models = nodes.map((n) => mod.buildNodeModel(n, snapshot.nodes[n]));
  detail = { chains: models[nodes.indexOf('node-a')].ruleset.tables.reduce((n, t) => n + t.chains.length, 0) };
} else if (mode === 'walk' || mode === 'sim' || mode === 'trace') {
  let builds = 0;
  const buildNode = prebuilt ? (n) => (builds++, prebuilt.get(n)) : (n, c) => (builds++, mod.buildNodeModel(n, c));
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
