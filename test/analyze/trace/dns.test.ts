/** trace to a DNS name: the pod's resolution first, then the path to the service it names; --dns traces the query. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest, type TraceRequest } from '../../../src/analyze/trace/index.js';
import { renderTraces } from '../../../src/render/trace.js';
import { REPO_ROOT } from '../../support/corpus.js';

const LAB = parseSnapshot(readFileSync(path.join(REPO_ROOT, 'examples/lab-flannel-iptables.snapshot.json'), 'utf8'), 'lab');
const trace = (snap: Snapshot, req: Partial<TraceRequest> & { dst: string }) => traceRequest(snap, { src: 'client', namespace: 'default', ...req }, { buildNode: buildNodeModel }).traces;

/** The lab plus a kube-dns Service and one CoreDNS endpoint (the lab runs no DNS). */
function withKubeDns(): Snapshot {
  const objects = structuredClone(LAB.cluster.objects) as Record<string, unknown[]>;
  objects.services!.push({ metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { clusterIP: '10.96.0.53', clusterIPs: ['10.96.0.53'], type: 'ClusterIP', ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }] } });
  objects.endpointslices!.push({ metadata: { namespace: 'kube-system', name: 'kube-dns-x', labels: { 'kubernetes.io/service-name': 'kube-dns' } }, addressType: 'IPv4', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }], endpoints: [{ addresses: ['10.244.1.53'], conditions: { ready: true }, nodeName: 'node-b', targetRef: { kind: 'Pod', namespace: 'kube-system', name: 'coredns-0' } }] });
  return { ...LAB, cluster: { ...LAB.cluster, objects: objects as Snapshot['cluster']['objects'] } };
}

describe('trace: DST as a DNS name', () => {
  it.each([
    ['web:80', 1],
    ['web.default:80', 2],
    ['web.default.svc.cluster.local:80', 4],
  ])('%s resolves (after %i tries) to service default/web and is traced there', (dst, tries) => {
    const [t] = trace(LAB, { dst });
    expect(t!.destination).toMatchObject({ kind: 'service', name: 'default/web', ip: '10.96.0.10', port: 80 });
    expect(t!.disposition).toBe('delivered');
    expect(t!.dns?.attempts).toHaveLength(tries);
    expect(t!.dns).toMatchObject({ dnsPolicy: 'ClusterFirst', ndots: 5, search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'] });
  });

  it('a bare word that is a pod stays a pod; svc/… is never a name', () => {
    expect(trace(LAB, { dst: 'web-1:8080' })[0]!.dns).toBeUndefined();
    expect(trace(LAB, { dst: 'svc/web:80' })[0]!.dns).toBeUndefined();
  });

  it('a name that resolves to nothing lists every try; a bare typo still gets the pod suggestion', () => {
    expect(() => trace(LAB, { dst: 'nope.default:80' })).toThrowError(/does not resolve to a Service[\s\S]*nope\.default\.svc\.cluster\.local: NXDOMAIN/);
    expect(() => trace(LAB, { dst: 'web-9:80' })).toThrowError(/pod default\/web-9 not found/);
  });

  it('the text output shows the resolution before the paths', () => {
    const text = renderTraces(trace(withKubeDns(), { dst: 'web.default:80' }), 'text', false);
    expect(text).toMatch(/DNS: web\.default → 10\.96\.0\.10 \(service default\/web\)/);
    expect(text).toMatch(/nameserver 10\.96\.0\.53/);
    expect(text).toMatch(/DNS service kube-system\/kube-dns 10\.96\.0\.53: kube-system\/coredns-0/);
  });

  it('--dns: the query itself, UDP/53 to the DNS service, comes first', () => {
    const ts = trace(withKubeDns(), { dst: 'web:80', dns: true });
    expect(ts.map((t) => t.role ?? 'connection')).toEqual(['dns-query', 'connection']);
    expect(ts[0]!.destination).toMatchObject({ kind: 'service', name: 'kube-system/kube-dns', port: 53, protocol: 'udp' });
    expect(ts[0]!.dns?.nameservers).toEqual(['10.96.0.53']);
  });

  it('--dns without a known cluster DNS address says what is missing', () => {
    expect(() => trace(LAB, { dst: 'svc/web:80', dns: true })).toThrowError(/no nameserver/);
  });
});

describe('trace: DST as a pod record', () => {
  it('10-244-1-10.default.pod.cluster.local:8080 is traced to pod web-1', () => {
    const [t] = trace(LAB, { dst: '10-244-1-10.default.pod.cluster.local:8080' });
    expect(t!.destination).toMatchObject({ kind: 'pod', name: 'default/web-1', port: 8080 });
    expect(t!.disposition).toBe('delivered');
    expect(t!.dns?.answer).toMatch(/^10\.244\.1\.10 \(pod record/);
  });
});

describe('trace: the node’s kubelet DNS settings', () => {
  /** node-a's probe pod file says the kubelet hands out 10.96.0.99 and the domain k8s.corp; the node's resolv.conf was read too. */
  function probed(server: string, domain: string): Snapshot {
    const snap = withKubeDns();
    const a = snap.nodes['node-a']!;
    const podFile = `nameserver ${server}\nsearch kube-system.svc.${domain} svc.${domain} ${domain} corp.example\noptions ndots:5\n`;
    const nodeA = { ...a, dumps: { ...a.dumps, 'pod-resolv-conf': { argv: ['cat', '/etc/resolv.conf'], stdout: podFile, stderr: '', exitCode: 0 } }, files: { ...a.files, '/etc/resolv.conf': 'nameserver 10.0.0.2\nsearch corp.example\n' } };
    return { ...snap, nodes: { ...snap.nodes, 'node-a': nodeA } };
  }

  it('the source pod’s node decides: its kubelet’s address, a finding that no Service owns it, the sources in the JSON (schema-valid)', () => {
    const [t] = trace(probed('10.96.0.99', 'cluster.local'), { dst: 'web.default:80' });
    expect(t!.dns).toMatchObject({ node: 'node-a', nameservers: ['10.96.0.99'], nodeResolvConfSource: 'node-a:/etc/resolv.conf (kubelet default)', search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'] });
    expect(t!.dns!.nameserverSource).toMatch(/the resolv.conf the kubelet wrote into the probe pod on node-a/);
    expect(t!.findings).toContainEqual(expect.objectContaining({ code: 'dns-server-unowned', severity: 'error' }));
    const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(JSON.parse(JSON.stringify(t))), JSON.stringify(validate.errors)).toBe(true);
    const text = renderTraces([t!], 'text', false);
    expect(text).toMatch(/nameserver from the resolv.conf the kubelet wrote into the probe pod on node-a/);
    expect(text).toMatch(/note: node resolv.conf: node-a:\/etc\/resolv.conf \(kubelet default\)/);
    expect(text).toMatch(/10\.96\.0\.99 is not the ClusterIP of any Service \(kube-system\/kube-dns is 10\.96\.0\.53\)/);
  });

  it('a name written for another cluster domain fails with the reason and the fix', () => {
    expect(() => trace(probed('10.96.0.53', 'k8s.corp'), { dst: 'web.default.svc.cluster.local:80' })).toThrowError(/written for the cluster domain cluster\.local, but the cluster domain here is k8s\.corp/);
  });
});
