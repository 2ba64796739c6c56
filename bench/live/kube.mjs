// A minimal API client for the live bench: the kube-lab's kubeconfig (static token, CA data), one keep-alive agent.
// The bench talks to the apiserver directly so that what it times is the cluster's work, not a client's start-up.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parse } from 'yaml';

export function kubeClient(kubeconfigPath) {
  const cfg = parse(readFileSync(kubeconfigPath, 'utf8'));
  const ctx = cfg.contexts.find((c) => c.name === cfg['current-context']).context;
  const cluster = cfg.clusters.find((c) => c.name === ctx.cluster).cluster;
  const user = cfg.users.find((u) => u.name === ctx.user).user;
  const url = new URL(cluster.server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: Buffer.from(cluster['certificate-authority-data'], 'base64') });
  const headers = { authorization: `Bearer ${user.token}`, accept: 'application/json' };

  /** One request; resolves { status, body } (body parsed when JSON). */
  const request = (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request({ host: url.hostname, port: url.port, path, method, agent, headers: { ...headers, ...(data ? { 'content-type': 'application/json' } : {}) } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode, body: parsed });
        });
      });
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });

  /** Watches one pod until `done(pod)` holds; resolves that pod. */
  const watchPod = (namespace, name, resourceVersion, done) =>
    new Promise((resolve, reject) => {
      const q = `fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}&watch=1&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`;
      const req = https.request({ host: url.hostname, port: url.port, path: `/api/v1/namespaces/${namespace}/pods?${q}`, method: 'GET', agent, headers }, (res) => {
        let buf = '';
        res.on('data', (c) => {
          buf += c;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const ev = JSON.parse(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
            if (ev.type !== 'ERROR' && done(ev.object)) {
              req.destroy();
              resolve(ev.object);
              return;
            }
          }
        });
        res.on('end', () => reject(new Error(`watch of ${namespace}/${name} ended`)));
      });
      req.on('error', (e) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
      req.end();
    });

  return { request, watchPod, close: () => agent.destroy() };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool(items, n, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
