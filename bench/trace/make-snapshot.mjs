/**
 * The trace bench's snapshots: a real lab snapshot (examples/, two nodes, client pod on node-a) whose node-a
 * netfilter dump is replaced by the synthetic 10,000 x 5 kube-proxy ruleset, and whose API objects gain the
 * synthetic Services and EndpointSlices (so `svc/NAME` resolves as in a real cluster of that size).
 * - iptables: examples/lab-flannel-iptables; node-a's `iptables` dump is the lab renderer's iptables-save text
 *   (`iptables-nft` is dropped so that text is what gets read; `nft` is emptied, since it would only repeat
 *   the iptables-nft tables, which the model skips anyway).
 * - nft: examples/lab-hostgw-nftables; node-a's `nft -j` dump keeps its non-kube-proxy tables and gets the
 *   scaled kernel dump (bench/parse-netfilter/scale-nft-json.mjs) as its `ip kube-proxy` table.
 * The synthetic endpoints (10.128.0.0/10) are not pods of the lab cluster: after DNAT the packet follows
 * node-a's routes to an address no probed node owns. The cost measured is the ruleset walk, which is the same.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { scaleNftJson } from '../parse-netfilter/scale-nft-json.mjs';

const nsOf = (s) => s.namespace;

function apiObjects(input) {
  const services = [];
  const slices = [];
  for (const s of input.services) {
    const ports = s.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort, ...(p.nodePort ? { nodePort: p.nodePort } : {}) }));
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: nsOf(s), uid: `uid-${s.name}` },
      spec: {
        clusterIP: s.clusterIP,
        clusterIPs: [s.clusterIP],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports,
        selector: { app: s.name },
        sessionAffinity: s.sessionAffinitySeconds ? 'ClientIP' : 'None',
        ...(s.sessionAffinitySeconds ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: s.sessionAffinitySeconds } } } : {}),
        type: s.type,
      },
      status: { loadBalancer: {} },
    });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${s.name}-abcde`, namespace: nsOf(s), uid: `uid-${s.name}-eps`, labels: { 'kubernetes.io/service-name': s.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
      addressType: 'IPv4',
      endpoints: s.endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready, serving: true, terminating: false }, nodeName: e.nodeName, targetRef: { kind: 'Pod', name: e.pod, namespace: nsOf(s) } })),
      ports: s.ports.map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol })),
    });
  }
  const namespaces = [...new Set(input.services.map(nsOf))].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, status: { phase: 'Active' } }));
  return { services, slices, namespaces };
}

function withObjects(snap, input) {
  const { services, slices, namespaces } = apiObjects(input);
  const o = snap.cluster.objects;
  o.namespaces = [...o.namespaces, ...namespaces];
  o.services = [...o.services, ...services];
  o.endpointslices = [...o.endpointslices, ...slices];
  return snap;
}

const dump = (argv, stdout) => ({ argv, stdout, stderr: '', exitCode: 0, durationMs: 1 });

/**
 * The services as the scaled nft dump has them: service i is clone c = i / 20 of template service i % 20 (named
 * `svc-NxC` in its chains, protocol and ports of the template), with the ClusterIP and endpoint IPs of
 * syntheticServices' service i (scale-nft-json moves addresses by 20 services / 100 endpoints per clone).
 */
export function nftServices(input, template) {
  return {
    ...input,
    services: input.services.map((s, i) => {
      const base = template.services[i % template.services.length];
      const c = Math.floor(i / template.services.length);
      return { ...base, name: c === 0 ? base.name : `${base.name}x${c}`, clusterIP: s.clusterIP, endpoints: s.endpoints };
    }),
  };
}

/** Dumps larger than this are stored gzip+base64, as the probe stores the netfilter dumps it collects. */
const COMPRESS_ABOVE = 4096;

/** Every node's plain dumps over COMPRESS_ABOVE bytes encoded with `encode` (the probe's encodeGzipBase64). */
function compressDumps(snap, encode) {
  for (const node of Object.values(snap.nodes)) {
    for (const [key, d] of Object.entries(node.dumps)) {
      if (d.encoding !== 'gzip+base64' && d.stdout.length > COMPRESS_ABOVE) node.dumps[key] = { ...d, stdout: encode(d.stdout), encoding: 'gzip+base64' };
    }
  }
  return snap;
}

/**
 * `{ iptables, nft }`: snapshot JSON texts. `input` is syntheticServices(n, 5), `iptablesText` its rendering,
 * `nftInput` nftServices(input, syntheticServices(20, 5)), `clones` n / 20. `encode` (src/snapshot/dump-encoding's
 * encodeGzipBase64, the code collect uses) stores large dumps as collect writes them; `serialize` (src/snapshot/io's
 * serializeSnapshot) writes the file as collect does.
 */
export function makeSnapshots(root, input, iptablesText, nftInput, clones, encode, serialize) {
  // The lab's snapshots hold dumps as the probe collects them: large ones gzip+base64 (docs/snapshot.md).
  const stdoutOf = (d) => (d.encoding === 'gzip+base64' ? gunzipSync(Buffer.from(d.stdout, 'base64')).toString('utf8') : d.stdout);
  const read = (f) => JSON.parse(readFileSync(path.join(root, 'examples', f), 'utf8'));

  const ipt = read('lab-flannel-iptables.snapshot.json');
  const a = ipt.nodes['node-a'].dumps;
  a.iptables = dump(['iptables-save'], iptablesText);
  delete a['iptables-nft'];
  a.nft = dump(['nft', '-j', 'list', 'ruleset'], JSON.stringify({ nftables: JSON.parse(stdoutOf(a.nft)).nftables.filter((i) => i.metainfo) }));

  const nft = read('lab-hostgw-nftables.snapshot.json');
  const b = nft.nodes['node-a'].dumps;
  const own = JSON.parse(stdoutOf(b.nft)).nftables.filter((i) => { const body = Object.values(i)[0]; return !(body.family === 'ip' && (body.table ?? body.name) === 'kube-proxy'); });
  const template = readFileSync(path.join(root, 'test', 'fixtures', 'netfilter', 'synthetic-20x5.kube-proxy.nft.json'), 'utf8');
  const scaled = JSON.parse(scaleNftJson(template, clones)).nftables.filter((i) => !i.metainfo);
  b.nft = dump(['nft', '-j', 'list', 'ruleset'], JSON.stringify({ nftables: [...own, ...scaled] }));

  return { iptables: serialize(compressDumps(withObjects(ipt, input), encode)), nft: serialize(compressDumps(withObjects(nft, nftInput), encode)) };
}
