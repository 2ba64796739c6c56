// The floor of a live trace: what netx's probe needs from the cluster, and nothing else. One probe pod per named node,
// built by netx's own spec builder (dist/probe/debug-pod.js: host network, the CNI directory mounted, the debug image),
// all created at once, each watched until Running (netx polls; a watch sees it first), then deleted with grace period
// 0 as netx deletes them. `pod-floor.mjs KUBECONFIG IMAGE NODE…` prints the seconds from the first create to the last
// delete answered.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kubeClient } from './kube.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { probePodSpec } = await import(pathToFileURL(path.join(root, 'dist', 'probe', 'debug-pod.js')).href);
const { defaultProbeOptions } = await import(pathToFileURL(path.join(root, 'dist', 'probe', 'options.js')).href);

const [kubeconfig, image, ...nodes] = process.argv.slice(2);
const client = kubeClient(kubeconfig);
const opts = defaultProbeOptions({ image, runId: `floor${process.pid}` });
const t0 = process.hrtime.bigint();
await Promise.all(
  nodes.map(async (node) => {
    const pod = probePodSpec(node, opts, new Date());
    const { namespace, name } = pod.metadata;
    const created = await client.request('POST', `/api/v1/namespaces/${namespace}/pods`, pod);
    if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
    await client.watchPod(namespace, name, created.body.metadata.resourceVersion, (p) => p.status?.phase === 'Running');
    const deleted = await client.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}?gracePeriodSeconds=0`);
    if (deleted.status !== 200) throw new Error(`delete ${name}: ${deleted.status}`);
  }),
);
process.stdout.write(`${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3)}\n`);
client.close();
