/**
 * Bench: `kubectl netx cidr` on a 5,000-node, 150,000-pod cluster.
 *  1. live, against the test API server: wall time and peak RSS of the CLI process, bytes the server
 *     sent (TLS wire bytes), compared with what listing full Pod objects costs on the same server;
 *  2. --snapshot, on the same cluster as a live run holds it (pods from an includeObject=None Table,
 *     nodes without their image lists).
 * Each CLI figure is the median of NETX_BENCH_REPEAT fresh processes (default 3), min–max in the notes.
 * Sizes can be lowered for a quick run: NETX_BENCH_NODES, NETX_BENCH_PODS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateCluster } from './cidr/generate.mjs';
import { median, spread } from './process.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const NODE = process.execPath;
const NODES = Number(process.env.NETX_BENCH_NODES ?? 5000);
const PODS = Number(process.env.NETX_BENCH_PODS ?? 150000);
const TARGET_SECONDS = 5;
const TARGET_RSS_MB = 300;
const REPEAT = Number(process.env.NETX_BENCH_REPEAT ?? 3);

/** REPEAT runs of `run`: the median of each figure, and a note with the spread. */
async function repeated(name, run, log, notes) {
  const runs = [];
  for (let i = 0; i < REPEAT; i++) {
    log(`${name}, run ${i + 1} of ${REPEAT}`);
    runs.push(await run());
  }
  const of = (k) => runs.map((r) => r[k]);
  notes.push(`${name}: wall ${median(of('seconds')).toFixed(2)} s (${spread(of('seconds'))}), CPU ${median(of('cpuSeconds')).toFixed(2)} s (${spread(of('cpuSeconds'))}), peak RSS ${median(of('rssMb')).toFixed(0)} MB (${spread(of('rssMb'))}); ${REPEAT} runs`);
  return { seconds: median(of('seconds')), cpuSeconds: median(of('cpuSeconds')), rssMb: median(of('rssMb')) };
}

/** Runs the CLI as a user would (bin/run.js under the pinned Node), measuring wall time and peak RSS. */
async function runCli(args, dir) {
  const rssFile = path.join(dir, `rss-${Date.now()}`);
  const started = process.hrtime.bigint();
  const child = spawn(NODE, ['--import', path.join(HERE, 'cidr', 'maxrss-hook.mjs'), path.join(ROOT, 'bin', 'run.js'), ...args], {
    env: { ...process.env, NO_COLOR: '1', NETX_BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = 0;
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b.length));
  child.stderr.on('data', (b) => (stderr += b));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`kubectl-netx ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  const usage = JSON.parse(readFileSync(rssFile, 'utf8'));
  return { seconds, rssMb: usage.maxRssKiB / 1024, cpuSeconds: usage.cpuMicros / 1e6, stdoutBytes: stdout };
}

/** Starts the API-server child and returns a tiny client for its line protocol. */
async function startServer(serverModule) {
  const child = spawn(NODE, ['--max-old-space-size=8192', path.join(HERE, 'cidr', 'api-server-child.mjs'), serverModule, String(NODES), String(PODS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(JSON.parse(l)));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const hello = await next();
  const ask = (cmd) => {
    const p = next();
    child.stdin.write(`${cmd}\n`);
    return p;
  };
  return { ...hello, ask, quit: () => (child.stdin.write('quit\n'), new Promise((r) => child.on('close', r))) };
}

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/**
 * What a paged pod listing costs (limit 500, like the client; bodies parsed for the continue token
 * and discarded): full objects by default, or a Table with `includeObject` None/Metadata.
 */
async function listPods(server, table) {
  const agent = new https.Agent({ ca: server.ca, keepAlive: true });
  let cont = '';
  let pods = 0;
  do {
    const url = new URL('/api/v1/pods', server.url);
    url.searchParams.set('limit', '500');
    if (table) url.searchParams.set('includeObject', table);
    if (cont) url.searchParams.set('continue', cont);
    const body = await new Promise((resolve, reject) => {
      https
        .get(url, { agent, headers: { Authorization: `Bearer ${server.token}`, Accept: table ? TABLE_ACCEPT : 'application/json' } }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        })
        .on('error', reject);
    });
    pods += (body.items ?? body.rows).length;
    cont = body.metadata?.continue ?? '';
  } while (cont);
  agent.destroy();
  return pods;
}

const mb = (bytes) => bytes / 1e6;

export default async function cidrBench({ serverModule, log }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-cidr-'));
  const metrics = [];
  const notes = [`cluster: ${NODES} nodes, ${PODS} pods, 2,000 services (bench/cidr/generate.mjs)`, `load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs (wall times scale with it; CPU times less so)`];
  const phase = async (name, fn) => {
    try {
      await fn();
    } catch (e) {
      metrics.push({ name: `${name} FAILED: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, value: NaN, unit: '', failed: true });
    }
  };
  try {
    await phase('live', live);
    await phase('--snapshot', offline);
    return { name: 'cidr', metrics, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  async function live() {
    log(`starting the test API server with ${NODES} nodes / ${PODS} pods`);
    const server = await startServer(serverModule);
    try {
      // Each run starts from zeroed counters: the traffic figures are the last run's.
      const live = await repeated('cidr live', async () => (await server.ask('reset'), runCli(['cidr', '--kubeconfig', server.kubeconfig, '--request-timeout', '5m', '-o', 'json'], dir)), log, notes);
      const cidrTraffic = await server.ask('bytes');
      await server.ask('reset');
      log('listing full Pod objects for comparison');
      const listed = await listPods(server);
      const fullTraffic = await server.ask('bytes');
      await server.ask('reset');
      await listPods(server, 'Metadata');
      const tableMeta = await server.ask('bytes');
      await server.ask('reset');
      await listPods(server, 'None');
      const tableNone = await server.ask('bytes');
      metrics.push(
        { name: 'live wall time (median)', value: live.seconds, unit: 's', target: TARGET_SECONDS },
        { name: 'live CPU time of the CLI (user+sys)', value: live.cpuSeconds, unit: 's' },
        { name: 'live peak RSS', value: live.rssMb, unit: 'MB', target: TARGET_RSS_MB },
        { name: 'live CPU time of the test API server', value: cidrTraffic.cpuMicros / 1e6, unit: 's' },
        { name: 'live bytes fetched (whole cidr run)', value: mb(cidrTraffic.bytes), unit: 'MB' },
        { name: 'live API requests', value: cidrTraffic.requests, unit: '' },
        { name: `bytes to list ${listed} full Pods`, value: mb(fullTraffic.bytes), unit: 'MB' },
        { name: 'full-Pod listing / whole cidr run (bytes)', value: fullTraffic.bytes / cidrTraffic.bytes, unit: '×' },
        { name: 'pod Table listing, includeObject=Metadata', value: mb(tableMeta.bytes), unit: 'MB' },
        { name: 'pod Table listing, includeObject=None', value: mb(tableNone.bytes), unit: 'MB' },
        { name: 'full Pods / Table includeObject=None (bytes)', value: fullTraffic.bytes / tableNone.bytes, unit: '×' },
      );
    } finally {
      await server.quit();
    }
  }

  /** --snapshot on the cluster as a live run holds it (see generate.mjs, podShape 'table'). */
  async function offline() {
    log('writing the captured-shape snapshot');
    const file = path.join(dir, 'bench.snapshot.json');
    writeFileSync(file, JSON.stringify(generateCluster({ nodes: NODES, pods: PODS, podShape: 'table' })));
    const offline = await repeated('cidr --snapshot -o json', () => runCli(['cidr', '--snapshot', file, '-o', 'json'], dir), log, notes);
    metrics.push(
      { name: '--snapshot wall time (median)', value: offline.seconds, unit: 's', target: TARGET_SECONDS },
      { name: '--snapshot CPU time (user+sys)', value: offline.cpuSeconds, unit: 's' },
      { name: '--snapshot peak RSS', value: offline.rssMb, unit: 'MB', target: TARGET_RSS_MB },
    );
    const text = await repeated('cidr --snapshot (text)', () => runCli(['cidr', '--snapshot', file], dir), log, notes);
    metrics.push({ name: '--snapshot text output wall time (median)', value: text.seconds, unit: 's', target: TARGET_SECONDS });
  }
}
