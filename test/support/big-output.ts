/**
 * Snapshots whose reports are large, for the complete-output tests: a trace of more than 1 MB that
 * exits 3, and a synthetic cluster (bench/cidr's generator) big enough that every command's report is
 * many times a pipe's 64 KiB buffer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './corpus.js';
// @ts-expect-error: plain JavaScript shared with the benchmark (deterministic, no I/O).
import { generateCluster } from '../../bench/cidr/generate.mjs';

type Obj = Record<string, unknown> & { metadata: { name: string; namespace?: string }; spec?: Record<string, unknown>; status?: Record<string, unknown> };

/**
 * The lab's forward-drop capture (one of web's endpoints dropped in FORWARD: exit 3) with `extraPorts`
 * more TCP ports on service web; `trace client svc/web` then traces every port.
 */
export function writeBigTraceSnapshot(dir: string, extraPorts = 20): string {
  const snap = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/lab/forward-drop.snapshot.json'), 'utf8')) as { cluster: { objects: { services: Obj[] } } };
  const web = snap.cluster.objects.services.find((s) => s.metadata.name === 'web')!;
  const ports = (web.spec!.ports as unknown[]) ?? [];
  web.spec!.ports = [...ports, ...Array.from({ length: extraPorts }, (_, i) => ({ name: `extra-${i}`, port: 8000 + i, protocol: 'TCP', targetPort: 8080 }))];
  const file = path.join(dir, 'big-trace.snapshot.json');
  writeFileSync(file, JSON.stringify(snap));
  return file;
}

/**
 * bench/cidr's synthetic cluster (1,500 nodes, 6,000 pods in 40 namespaces) plus service team-0/many
 * with 150 endpoints on two ports and a deny-all ingress NetworkPolicy in team-0 (policy: denied, exit 3).
 */
export function writeBigClusterSnapshot(dir: string): { file: string; client: string } {
  const snap = generateCluster({ nodes: 1500, pods: 6000, services: 5 }) as { cluster: { objects: Record<string, Obj[]> } };
  const o = snap.cluster.objects;
  const ns = 'team-0';
  const pods = o.pods!.filter((p) => p.metadata.namespace === ns && (p.status as { podIP?: string } | undefined)?.podIP);
  o.namespaces = Array.from({ length: 40 }, (_, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${i}` } }));
  o.services!.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'many', namespace: ns }, spec: { clusterIP: '172.20.9.9', clusterIPs: ['172.20.9.9'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'alt', port: 8443, targetPort: 8443, protocol: 'TCP' }] } });
  o.endpointslices = [
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'many-abc12', namespace: ns, labels: { 'kubernetes.io/service-name': 'many' } },
      addressType: 'IPv4',
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'alt', port: 8443, protocol: 'TCP' },
      ],
      endpoints: pods.map((p) => ({ addresses: [(p.status as { podIP: string }).podIP], conditions: { ready: true }, nodeName: p.spec!.nodeName, targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns } })),
    } as unknown as Obj,
  ];
  o.networkpolicies = [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }];
  const client = o.pods!.find((p) => p.metadata.namespace === 'team-1')!;
  const file = path.join(dir, 'big-cluster.snapshot.json');
  writeFileSync(file, JSON.stringify(snap));
  return { file, client: `team-1/${client.metadata.name}` };
}
