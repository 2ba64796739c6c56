/**
 * Child process of the cidr bench: serves a generated cluster through the test API server (compiled
 * by bench/run.js into node_modules/.cache/netx-bench) and counts the bytes it sends on the wire
 * (TLS included). Line protocol on stdin: `bytes` → {"bytes":N,"requests":N}, `reset`, `quit`.
 * First stdout line: {"kubeconfig": path, "url": ..., "token": ..., "ca": ...}.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { generateCluster } from './generate.mjs';

const [serverModule, nodes, pods] = process.argv.slice(2);
const { TestApiServer } = await import(serverModule);
const { renderList, renderingFor } = await import(new URL('./views.js', serverModule).href);
const snapshot = generateCluster({ nodes: Number(nodes), pods: Number(pods) });
const server = await TestApiServer.start({ snapshot, serviceCIDRs: ['172.20.0.0/16'], serverVersion: snapshot.cluster.serverVersion });
// Drop the generator's copy: the server keeps its own.
snapshot.cluster.objects = {};

/**
 * The test server sorts and filters the whole list on every page (O(n log n) per page, minutes for
 * 150,000 pods), which would make this bench time the fixture, not netx. Cluster-wide lists of the
 * big resources get a fast path here: sorted once, same order, same continue tokens, same renderers,
 * still behind the server's auth, faults and RBAC. Selectors are not needed by the benches and are
 * refused loudly rather than ignored.
 */
const sorted = new Map();
const key = (o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
server.addRoute(
  {
    method: 'GET',
    pattern: /^\/api\/v1\/(pods|nodes|services)$/,
    intent: (ctx) => ({ verb: 'list', resource: ctx.url.pathname.split('/')[3], group: '' }),
    handle(ctx) {
      const resource = ctx.url.pathname.split('/')[3];
      if (ctx.url.searchParams.get('labelSelector') || ctx.url.searchParams.get('fieldSelector')) {
        return ctx.send(400, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, reason: 'BadRequest', message: 'bench fast path: selectors not supported' });
      }
      if (!sorted.has(resource)) {
        const list = (server.objects.get(resource) ?? []).map((o) => [key(o), o]);
        list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        sorted.set(resource, list.map((x) => x[1]));
      }
      const all = sorted.get(resource);
      const token = ctx.url.searchParams.get('continue');
      const offset = token ? JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).offset : 0;
      const limit = Number(ctx.url.searchParams.get('limit') ?? 0);
      const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
      const next = offset + page.length;
      const meta = { resourceVersion: '1000' };
      if (limit > 0 && next < all.length) {
        meta.continue = Buffer.from(JSON.stringify({ offset: next })).toString('base64url');
        meta.remainingItemCount = all.length - next;
      }
      const served = server.resource('', 'v1', resource);
      const body = renderList(served, page, renderingFor(ctx.req.headers.accept), meta);
      // kube-apiserver's includeObject=None: Table rows without the object (the test server lacks it).
      if (body.kind === 'Table' && ctx.url.searchParams.get('includeObject') === 'None') for (const row of body.rows) delete row.object;
      ctx.send(200, body);
    },
  },
  true,
);

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

const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-'));
const kubeconfig = server.writeKubeconfig(dir);
process.stdout.write(`${JSON.stringify({ kubeconfig, url: server.url, token: server.token, ca: server.ca })}\n`);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const cmd = line.trim();
  if (cmd === 'bytes') process.stdout.write(`${JSON.stringify({ bytes: total() - base, requests: server.requests.length - baseRequests })}\n`);
  else if (cmd === 'reset') {
    base = total();
    baseRequests = server.requests.length;
    process.stdout.write('{"ok":true}\n');
  } else if (cmd === 'quit') {
    await server.close();
    process.exit(0);
  }
});
