/**
 * Child process of the cidr bench: serves a generated cluster through the test API server (compiled
 * by bench/run.js into node_modules/.cache/netx-bench) and counts the bytes it sends on the wire
 * (TLS included). Line protocol on stdin: `bytes` → {"bytes":N,"requests":N,"cpuMicros":N} since the
 * last `reset`, `reset`, `quit`.
 * First stdout line: {"kubeconfig": path, "url": ..., "token": ..., "ca": ...}.
 */
import { mkdtempSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { generateCluster } from './generate.mjs';

const [serverModule, nodes, pods] = process.argv.slice(2);
const { TestApiServer } = await import(serverModule);
const snapshot = generateCluster({ nodes: Number(nodes), pods: Number(pods) });
const server = await TestApiServer.start({ snapshot, serviceCIDRs: ['172.20.0.0/16'], serverVersion: snapshot.cluster.serverVersion });
// Drop the generator's copy: the server keeps its own.
snapshot.cluster.objects = {};

let closed = 0;
const live = new Set();
// `server` is the https.Server inside TestApiServer; raw sockets count bytes after TLS.
server.server.on('connection', (socket) => {
  live.add(socket);
  socket.on('close', () => {
    closed += socket.bytesWritten;
    live.delete(socket);
  });
});
const total = () => closed + [...live].reduce((n, s) => n + s.bytesWritten, 0);
let base = 0;
let baseRequests = 0;

// The server orders and indexes each list on first use; a real apiserver has that done already.
for (const p of ['/api/v1/pods', '/api/v1/nodes', '/api/v1/services', '/api/v1/namespaces']) {
  await new Promise((resolve, reject) => {
    https.get(new URL(`${p}?limit=1`, server.url), { ca: server.ca, headers: { Authorization: `Bearer ${server.token}` } }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
}
let cpuBase = process.cpuUsage();

const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-'));
const kubeconfig = server.writeKubeconfig(dir);
process.stdout.write(`${JSON.stringify({ kubeconfig, url: server.url, token: server.token, ca: server.ca })}\n`);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const cmd = line.trim();
  if (cmd === 'bytes') {
    const cpu = process.cpuUsage(cpuBase);
    process.stdout.write(`${JSON.stringify({ bytes: total() - base, requests: server.requests.length - baseRequests, cpuMicros: cpu.user + cpu.system })}\n`);
  }
  else if (cmd === 'reset') {
    base = total();
    baseRequests = server.requests.length;
    cpuBase = process.cpuUsage();
    process.stdout.write('{"ok":true}\n');
  } else if (cmd === 'quit') {
    await server.close();
    process.exit(0);
  }
});
