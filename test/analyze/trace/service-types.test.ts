/**
 * Service types in trace: NodePort and LoadBalancer from outside (the dumps' KUBE-NODEPORTS/KUBE-EXT
 * path), externalTrafficPolicy Cluster vs Local, internalTrafficPolicy Local, headless, ExternalName,
 * dual-stack family choice. Lab snapshot plus real service objects from the corpus.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest, type TraceRequest } from '../../../src/analyze/trace/index.js';
import type { Trace } from '../../../src/sim/trace.js';
import { UserError } from '../../../src/util/errors.js';
import { renderTraces } from '../../../src/render/trace.js';
import { REPO_ROOT, readCorpus } from '../../support/corpus.js';
import { readLabFixture } from '../../lab/fixture-index.js';
import { ECHO_LOCAL_HEALTH_CHECK_PORT, ST_IPS } from '../../lab/service-types.js';
import { predictCase } from './oracle-compare.js';

type Obj = { metadata: { name: string; namespace?: string }; spec?: Record<string, unknown>; status?: Record<string, unknown> };
const load = (): Snapshot => parseSnapshot(readFileSync(path.join(REPO_ROOT, 'examples/lab-flannel-iptables.snapshot.json'), 'utf8'), 'lab');
const corpusObj = (file: string, namespace = 'default'): Obj => {
  const o = parseYaml(readCorpus('k8s-objects', file)) as Obj;
  o.metadata.namespace ??= namespace; // a manifest gets the namespace it is applied in
  return o;
};
const trace = (snap: Snapshot, req: Partial<TraceRequest> & { dst: string }) => traceRequest(snap, { src: 'client', namespace: 'default', ...req }, { buildNode: buildNodeModel }).traces;
const codes = (t: Trace) => t.findings.map((f) => f.code);
const steps = (t: Trace, i = 0) => t.branches[i]!.hops.flatMap((h) => h.steps);

/** The lab snapshot with objects added, or services edited in place. */
function lab(edit: (o: Record<string, Obj[]>) => void): Snapshot {
  const s = load();
  const objects = structuredClone(s.cluster.objects) as unknown as Record<string, Obj[]>;
  edit(objects);
  return { ...s, cluster: { ...s.cluster, objects: objects as unknown as Snapshot['cluster']['objects'] } };
}
const svc = (o: Record<string, Obj[]>, name: string): Obj => o.services!.find((s) => s.metadata.name === name)!;

describe('trace: NodePort from outside', () => {
  it('external:IP node/NAME:nodePort enters the node on its underlay interface and walks KUBE-NODEPORTS → KUBE-EXT', () => {
    const [t] = trace(load(), { src: 'external:198.51.100.7', dst: 'node/node-a:30080' });
    expect(t!.source).toMatchObject({ kind: 'ip', ip: '198.51.100.7', node: 'node-a' });
    expect(t!.disposition).toBe('delivered');
    expect(t!.branches).toHaveLength(3);
    const chains = steps(t!).map((s) => s.chain).filter(Boolean);
    expect(chains).toEqual(expect.arrayContaining(['KUBE-NODEPORTS', 'KUBE-EXT-2262UYG6EQJDKK3I', 'KUBE-POSTROUTING']));
    expect(steps(t!)[0]!.summary).toMatch(/eth0/);
    expect(renderTraces([t!], 'text', false).split('\n')[0]).toBe('outside client 198.51.100.7 (enters node node-a) → node node-a (172.31.250.10:30080/TCP)');
  });

  it('node/NAME:PORT that is a nodePort names its service and gets its findings', () => {
    const [t] = trace(load(), { src: 'external:198.51.100.7', dst: 'node/node-b:30080' });
    expect(t!.destination).toMatchObject({ kind: 'node', service: 'default/web-np', serviceType: 'NodePort' });
    expect(codes(t!)).toContain('source-ip-masqueraded');
    expect(t!.branches[0]!.notes.join()).toMatch(/nodePort of service default\/web-np/);
  });

  it('svc/NAME from outside with --from-node: the node address and nodePort, masquerade reported (externalTrafficPolicy Cluster)', () => {
    const [t] = trace(load(), { src: 'external:198.51.100.7', dst: 'svc/web-np', fromNode: 'node-b' });
    expect(t!.destination).toMatchObject({ kind: 'service', name: 'default/web-np', ip: '172.31.250.11', port: 30080, serviceType: 'NodePort' });
    expect(t!.branches.every((b) => b.final && b.final.saddr !== '198.51.100.7')).toBe(true);
    const f = t!.findings.find((x) => x.code === 'source-ip-masqueraded')!;
    expect(f.message).toMatch(/198\.51\.100\.7 is masqueraded/);
    expect(f.evidence?.join('\n')).toMatch(/MASQUERADE/);
  });

  it('without --from-node every probed node is an entry (one trace each)', () => {
    expect(trace(load(), { src: 'external:198.51.100.7', dst: 'svc/web-np' }).map((t) => t.source.node)).toEqual(['node-a', 'node-b']);
  });

  it('externalTrafficPolicy Local: source kept, only local endpoints, the health-check node port', () => {
    const snap = lab((o) => Object.assign(svc(o, 'web-np').spec!, { externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 }));
    const [t] = trace(snap, { src: 'external:198.51.100.7', dst: 'svc/web-np', fromNode: 'node-a' });
    const f = t!.findings.find((x) => x.code === 'external-traffic-local')!;
    expect(f.message).toMatch(/only the 1 endpoint\(s\) on node node-a serve/);
    expect(f.message).toMatch(/198\.51\.100\.7 is kept/);
    expect(f.message).toMatch(/health-check node port 32000/);
    expect(codes(t!)).not.toContain('source-ip-masqueraded');
    expect(codes(t!)).not.toContain('proxy-missing-endpoint');
  });

  it('a ClusterIP service or a headless one is not reachable from outside: a clear error', () => {
    expect(() => trace(load(), { src: 'external:198.51.100.7', dst: 'svc/web' })).toThrowError(/is ClusterIP: nothing outside the cluster reaches it/);
    expect(() => trace(load(), { src: 'external:nope', dst: 'svc/web-np' })).toThrowError(UserError);
    expect(() => trace(load(), { src: 'client', dst: 'svc/web-np', fromNode: 'node-a' })).toThrowError(/needs SRC external:IP/);
    expect(() => trace(load(), { src: 'external:198.51.100.7', dst: 'svc/web-np', fromNode: 'node-z' })).toThrowError(/node node-z not found/);
  });
});

describe('trace: LoadBalancer', () => {
  it('status.loadBalancer.ingress IP is the destination; the packet enters the chosen node', () => {
    const snap = lab((o) => o.services!.push(corpusObj('k8s-docs-service-loadbalancer-with-status.yaml')));
    const [t] = trace(snap, { src: 'external:198.51.100.7', dst: 'svc/my-service', fromNode: 'node-a' });
    expect(t!.destination).toMatchObject({ ip: '192.0.2.127', port: 80, serviceType: 'LoadBalancer' });
    expect(t!.branches[0]!.notes.join('\n')).toMatch(/load balancer 192\.0\.2\.127 hands the packet to node node-a/);
  });

  it('a LoadBalancer without an ingress IP falls back to its nodePort', () => {
    const snap = lab((o) => Object.assign(svc(o, 'web-np').spec!, { type: 'LoadBalancer' }));
    const [t] = trace(snap, { src: 'external:198.51.100.7', dst: 'svc/web-np', fromNode: 'node-a' });
    expect(t!.destination).toMatchObject({ ip: '172.31.250.10', port: 30080 });
    expect(t!.disposition).toBe('delivered');
  });
});

describe('trace: internalTrafficPolicy Local, affinity', () => {
  it('only endpoints on the source node; no "kube-proxy out of sync" claim for the others', () => {
    const snap = lab((o) => Object.assign(svc(o, 'web').spec!, { internalTrafficPolicy: 'Local' }));
    const [t] = trace(snap, { dst: 'svc/web:80' });
    const f = t!.findings.find((x) => x.code === 'internal-traffic-local')!;
    expect(f.evidence).toEqual(['default/web-0 on node-a']);
    expect(codes(t!)).not.toContain('proxy-missing-endpoint');
  });

  it('no local endpoint: the drop is by design, not "kube-proxy does not know the service" (kernel-checked lab fixture)', () => {
    // service-types: echo-itp (internalTrafficPolicy Local) has its only endpoint on node-b; node-a's rules drop.
    const [t] = trace(readLabFixture('service-types').snapshot, { dst: 'svc/echo-itp' });
    expect(t!.disposition).toBe('dropped');
    expect(t!.findings.find((x) => x.code === 'internal-traffic-local')).toMatchObject({ severity: 'warning' });
    expect(codes(t!)).not.toContain('proxy-unaware-service');
  });

  it('sessionAffinity ClientIP is reported (the lab service sticky)', () => {
    expect(codes(trace(load(), { dst: 'svc/sticky' })[0]!)).toContain('session-affinity');
  });
});

describe('trace: topology-aware routing hints', () => {
  type Slice = Obj & { endpoints: { addresses: string[]; hints?: { forZones: { name: string }[] } }[] };
  const hinted = (zones: Record<string, string[] | undefined>, nodeZone?: string) =>
    lab((o) => {
      const slice = o.endpointslices!.find((x) => x.metadata.name.startsWith('web-ettel')) as Slice;
      for (const e of slice.endpoints) {
        const z = zones[e.addresses[0]!];
        if (z) e.hints = { forZones: z.map((name) => ({ name })) };
      }
      const node = o.nodes!.find((n) => n.metadata.name === 'node-a')! as Obj & { metadata: { labels?: Record<string, string> } };
      if (nodeZone) node.metadata.labels = { ...node.metadata.labels, 'topology.kubernetes.io/zone': nodeZone };
    });
  const hint = (snap: Snapshot) => trace(snap, { dst: 'svc/web:80' })[0]!.findings.find((f) => f.code === 'topology-hints');

  it('hints the node’s rules do not apply: the hinted set and "reach all 3" (the dumps are the oracle)', () => {
    const f = hint(hinted({ '10.244.0.11': ['zone-a'], '10.244.1.10': ['zone-b'], '10.244.1.11': ['zone-b'] }, 'zone-a'))!;
    expect(f.message).toMatch(/node node-a is in zone zone-a, and 1 of 3 endpoints are hinted for it; the rules on the node reach all 3/);
  });

  it('hints that name every endpoint for the zone agree with the rules', () => {
    const f = hint(hinted({ '10.244.0.11': ['zone-a'], '10.244.1.10': ['zone-a'], '10.244.1.11': ['zone-a', 'zone-b'] }, 'zone-a'))!;
    expect(f.message).toMatch(/3 of 3 endpoints are hinted for it; the rules on the node reach exactly those/);
  });

  it('partial hints are ignored; a node without a zone label uses all endpoints; no hints: no finding', () => {
    expect(hint(hinted({ '10.244.0.11': ['zone-a'] }, 'zone-a'))!.message).toMatch(/only some endpoints carry zone hints/);
    expect(hint(hinted({ '10.244.0.11': ['zone-a'], '10.244.1.10': ['zone-b'], '10.244.1.11': ['zone-b'] }))!.message).toMatch(/no topology\.kubernetes\.io\/zone label/);
    expect(hint(load())).toBeUndefined();
  });
});

describe('trace: headless and ExternalName', () => {
  it('headless: no VIP, one path per ready endpoint to the pod itself, "DNS only"', () => {
    const snap = lab((o) => {
      o.services!.push({ metadata: { name: 'web-h', namespace: 'default' }, spec: { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
      const slice = structuredClone(o.endpointslices!.find((s) => s.metadata.name.startsWith('web-ettel'))!) as Obj & { metadata: { labels: Record<string, string> } };
      slice.metadata.name = 'web-h-1';
      slice.metadata.labels['kubernetes.io/service-name'] = 'web-h';
      o.endpointslices!.push(slice);
    });
    const ts = trace(snap, { dst: 'svc/web-h' });
    expect(ts.map((t) => `${t.destination.kind} ${t.destination.name} ${t.destination.ip}:${t.destination.port}`).sort()).toEqual([
      'pod default/web-0 10.244.0.11:8080',
      'pod default/web-1 10.244.1.10:8080',
      'pod default/web-2 10.244.1.11:8080',
    ]);
    for (const t of ts) {
      expect(t.destination).toMatchObject({ serviceType: 'headless', service: 'default/web-h' });
      expect(t.disposition).toBe('delivered');
      expect(t.findings.find((f) => f.code === 'headless-service')?.message).toMatch(/DNS only/);
      expect(steps(t).some((s) => s.kind === 'nat')).toBe(false);
    }
  });

  it('headless from the corpus (clusterIP "none", lower case): resolved to its endpoint address', () => {
    const snap = lab((o) => {
      o.services!.push(corpusObj('cilium-testdata-headless-service-clusterip-none.yaml'));
      o.endpointslices!.push(corpusObj('cilium-testdata-headless-endpointslice-with-conditions.yaml'));
    });
    const ts = trace(snap, { dst: 'svc/test/echo' });
    expect(ts.map((t) => `${t.destination.ip}:${t.destination.port}`)).toEqual(['10.244.1.1:80']);
  });

  it('ExternalName and headless traces render as text and mermaid', () => {
    const snap = lab((o) => o.services!.push(corpusObj('k8s-docs-service-externalname.yaml')));
    const ts = trace(snap, { dst: 'svc/prod/my-service' });
    expect(renderTraces(ts, 'text', false)).toMatch(/INSUFFICIENT-INFO[\s\S]*CNAME to my\.database\.example\.com/);
    expect(renderTraces(ts, 'mermaid', false)).toMatch(/^flowchart/);
  });

  it('ExternalName (corpus): a CNAME, no dataplane path, said so', () => {
    const snap = lab((o) => o.services!.push(corpusObj('k8s-docs-service-externalname.yaml')));
    const [t] = trace(snap, { dst: 'svc/prod/my-service' });
    expect(t!.disposition).toBe('insufficient-info');
    expect(t!.branches[0]!.hops).toEqual([]);
    expect(t!.destination).toMatchObject({ serviceType: 'ExternalName', externalName: 'my.database.example.com' });
    expect(t!.findings.find((f) => f.code === 'external-name')?.message).toMatch(/CNAME to my\.database\.example\.com/);
  });
});

describe('trace: dual-stack family', () => {
  const dual = () => lab((o) => o.services!.push(corpusObj('cilium-testdata-dualstack-nodeport-service.yaml')));

  it('an IPv4-only client gets the IPv4 ClusterIP of a dual-stack service; --family 6 is refused with the reason', () => {
    const [t] = trace(dual(), { dst: 'svc/echo-dualstack:80' });
    expect(t!.destination.ip).toBe('10.96.207.99');
    expect(() => trace(dual(), { dst: 'svc/echo-dualstack:80', family: 6 })).toThrowError(/client has no IPv6 address/);
  });

  it('an IPv6 outside client picks the service’s IPv6 side: the entry node needs an IPv6 address', () => {
    expect(() => trace(dual(), { src: 'external:[2001:db8::7]', dst: 'svc/echo-dualstack:80', fromNode: 'node-a' })).toThrowError(/node node-a has no IPv6 address/);
  });

  it('a dual-stack pod picks the family by --family', () => {
    const snap = lab((o) => {
      o.services!.push(corpusObj('cilium-testdata-dualstack-nodeport-service.yaml'));
      const c = o.pods!.find((p) => p.metadata.name === 'client')! as Obj & { status: { podIPs: { ip: string }[] } };
      c.status.podIPs = [{ ip: '10.244.0.10' }, { ip: 'fd00:10:244::10' }];
    });
    const [t] = trace(snap, { dst: 'svc/echo-dualstack:80', family: 6 });
    expect(t!.destination.ip).toBe('fd00:10:96::b050');
    expect(t!.source.ip).toBe('fd00:10:244::10');
  });
});

describe.each(['service-types', 'service-types-nftables'])('trace on the kernel-checked lab fixture %s: what the traffic policies mean', (name) => {
  const { snapshot, oracle } = readLabFixture(name);
  const predicted = (id: string) => {
    const o = oracle.observations.find((x) => x.case.id === id);
    if (!o) throw new Error(`no observation ${id} in ${name}`);
    return predictCase(snapshot, o);
  };
  const finding = (id: string, code: string) => predicted(id).findings.filter((f) => f.code === code);

  it('LoadBalancer, externalTrafficPolicy Cluster: the masquerade is reported with the address the pod sees', () => {
    const [f] = finding('underlay-to-web-lb', 'source-ip-masqueraded');
    expect(f?.message).toMatch(/client address 172\.31\.250\.1 is masqueraded to .*the pod sees the node/);
    expect(predicted('underlay-to-web-lb').trace?.destination).toMatchObject({ ip: ST_IPS.webLbIngress, port: 80, serviceType: 'LoadBalancer' });
  });

  it('externalTrafficPolicy Local: source kept, the health-check node port, and the node without a local endpoint drops', () => {
    for (const id of ['underlay-to-echo-local-lb', 'underlay-to-echo-local-nodeport-node-b']) {
      const [f] = finding(id, 'external-traffic-local');
      expect(f).toMatchObject({ severity: 'info' });
      expect(f?.message).toMatch(/only the 1 endpoint\(s\) on node node-b serve .*; the client address 172\.31\.250\.1 is kept/);
      expect(f?.message).toContain(`health-check node port ${ECHO_LOCAL_HEALTH_CHECK_PORT}`);
      expect(finding(id, 'source-ip-masqueraded')).toEqual([]);
    }
    const [drop] = finding('underlay-to-echo-local-nodeport-node-a', 'external-traffic-local');
    expect(drop).toMatchObject({ severity: 'warning' });
    expect(drop?.message).toMatch(/no ready endpoint on node node-a \(1 elsewhere\), so kube-proxy drops the packet there/);
    expect(predicted('underlay-to-echo-local-nodeport-node-a').findings.map((f) => f.code)).not.toContain('proxy-unaware-service');
  });

  it('internalTrafficPolicy Local: the local endpoints, or none (dropped, not "out of sync")', () => {
    expect(finding('client-b-to-web-itp', 'internal-traffic-local')[0]?.message).toMatch(/only the 2 endpoint\(s\) on node node-b serve \(1 elsewhere are not used\)/);
    expect(finding('client-to-web-itp', 'internal-traffic-local')[0]?.evidence).toEqual(['default/web-0 on node-a']);
    const none = predicted('client-to-echo-itp');
    expect(none.findings.find((f) => f.code === 'internal-traffic-local')).toMatchObject({ severity: 'warning' });
    expect(none.findings.map((f) => f.code)).not.toContain('proxy-unaware-service');
  });

  it('zone hints: each node’s rules reach exactly the endpoints hinted for its zone (web-2 from node-a across nodes), said as a passed check', () => {
    const a = finding('client-to-web-zone', 'topology-hints')[0];
    expect(a).toMatchObject({ severity: 'info', passed: true });
    expect(a?.message).toMatch(/node node-a is in zone zone-a, and 2 of 3 endpoints are hinted for it; the rules on the node reach exactly those/);
    expect(predicted('client-to-web-zone').branches.map((b) => b.endpoint?.pod).sort()).toEqual(['default/web-0', 'default/web-2']);
    expect(finding('client-b-to-web-zone', 'topology-hints')[0]?.message).toMatch(/node node-b is in zone zone-b, and 1 of 3 endpoints are hinted for it; the rules on the node reach exactly those/);
    // A subset by design: not "kube-proxy is missing endpoints".
    expect(predicted('client-to-web-zone').findings.map((f) => f.code)).not.toContain('proxy-missing-endpoint');
  });

  it('headless: the probed pod address is one of svc/web-headless’s traces, straight to the pod (no DNAT)', () => {
    for (const pod of ['web-0', 'web-1', 'web-2']) {
      const p = predicted(`client-to-web-headless-${pod}`);
      expect(p.trace?.destination).toMatchObject({ kind: 'pod', name: `default/${pod}`, serviceType: 'headless', service: 'default/web-headless', port: 8080 });
      expect(p.findings.map((f) => f.code)).toContain('headless-service');
      expect(p.branches.flatMap((b) => b.hops.flatMap((h) => h.steps)).some((s) => s.kind === 'nat' && s.verdict === 'dnat')).toBe(false);
    }
  });

  it('--dns: the query goes to the kubelet clusterDNS, the kube-dns Service, whose endpoint is the CoreDNS pod', () => {
    const q = predicted('client-to-kube-dns-udp').trace;
    expect(q?.role).toBe('dns-query');
    expect(q?.destination).toMatchObject({ ip: ST_IPS.kubeDns, port: 53, protocol: 'udp' });
    expect(q?.dns).toMatchObject({
      nameservers: [ST_IPS.kubeDns],
      nameserverSource: 'kubelet clusterDNS (ConfigMap kube-system/kubelet-config)',
      dnsService: { name: 'kube-system/kube-dns', ip: ST_IPS.kubeDns, endpoints: [{ pod: 'kube-system/coredns', node: 'node-b', ready: true }] },
      answer: expect.stringContaining('service default/web'),
    });
  });
});

describe('trace: DST typed as one of a service’s addresses is that service, at that address', () => {
  const st = () => readLabFixture('service-types').snapshot;
  const ext = `external:${ST_IPS.webLbIngress.replace(/\.200$/, '.1')}`;

  it('the second load balancer IP stays the second, with the service’s findings (kernel-checked case underlay-to-echo-local-lb-node-a)', () => {
    const [t] = trace(st(), { src: ext, dst: `${ST_IPS.echoLocalIngressA}:9090`, fromNode: 'node-a' });
    expect(t!.destination).toMatchObject({ kind: 'service', name: 'default/echo-local', ip: ST_IPS.echoLocalIngressA, port: 9090, serviceType: 'LoadBalancer' });
    expect(t!.branches[0]!.notes.join('\n')).toMatch(/172\.31\.250\.202 is the second of 2 status\.loadBalancer\.ingress IPs of service default\/echo-local/);
    expect(t!.findings.find((f) => f.code === 'external-traffic-local')).toMatchObject({ severity: 'warning' });
    expect(codes(t!)).not.toContain('proxy-unaware-service');
    expect(t!.disposition).toBe('dropped');
  });

  it('the first load balancer IP typed as an address gives what svc/NAME gives', () => {
    const [byIp] = trace(st(), { src: ext, dst: `${ST_IPS.echoLocalIngress}:9090`, fromNode: 'node-b' });
    const [bySvc] = trace(st(), { src: ext, dst: 'svc/echo-local', fromNode: 'node-b' });
    expect(byIp!.destination).toEqual(bySvc!.destination);
    expect(codes(byIp!)).toEqual(codes(bySvc!));
    expect(byIp!.findings.find((f) => f.code === 'external-traffic-local')?.message).toBe(bySvc!.findings.find((f) => f.code === 'external-traffic-local')?.message);
  });

  it('a ClusterIP from a pod is the service (same findings as svc/NAME:PORT)', () => {
    const [byIp] = trace(load(), { dst: '10.96.0.10:80' });
    const [bySvc] = trace(load(), { dst: 'svc/web:80' });
    expect(byIp!.destination).toMatchObject({ kind: 'service', name: 'default/web', ip: '10.96.0.10', port: 80 });
    expect(codes(byIp!)).toEqual(codes(bySvc!));
    expect(byIp!.branches.map((b) => b.endpoint?.pod).sort()).toEqual(bySvc!.branches.map((b) => b.endpoint?.pod).sort());
  });

  it('a spec.externalIPs address is the service: externalTrafficPolicy applies even to a ClusterIP-type service', () => {
    const snap = lab((o) => Object.assign(svc(o, 'web').spec!, { externalIPs: ['198.51.100.50'], externalTrafficPolicy: 'Local' }));
    const [t] = trace(snap, { src: 'external:198.51.100.7', dst: '198.51.100.50:80', fromNode: 'node-a' });
    expect(t!.destination).toMatchObject({ kind: 'service', name: 'default/web', ip: '198.51.100.50', port: 80 });
    expect(t!.branches[0]!.notes.join('\n')).toMatch(/198\.51\.100\.50 is the spec\.externalIPs address of service default\/web/);
    expect(t!.findings.find((f) => f.code === 'external-traffic-local')?.message).toMatch(/only the 1 endpoint\(s\) on node node-a serve/);
  });

  it('an ingress IP in the status of a service that is not a LoadBalancer is not its address (kube-proxy ignores it)', () => {
    const snap = lab((o) => Object.assign(svc(o, 'web-np'), { status: { loadBalancer: { ingress: [{ ip: '198.51.100.60' }] } } }));
    const [t] = trace(snap, { dst: '198.51.100.60:80' });
    expect(t!.destination.kind).toBe('ip');
  });
});
