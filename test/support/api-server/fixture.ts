/** Objects for API-server tests: real objects from the corpus plus generated pods for paging. */
import { parse } from 'yaml';
import type { RawObject } from '../../../src/snapshot/types.js';
import { readCorpus } from '../corpus.js';

const corpusItems = (file: string): RawObject[] => (parse(readCorpus('k8s-objects', file)) as { items: RawObject[] }).items;

/** `count` pods spread over namespaces team-0..2 and nodes kube-router-vm1/2, every 7th Pending. */
function generatedPods(count: number): RawObject[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `gen-${String(i).padStart(5, '0')}`, namespace: `team-${i % 3}`, labels: { app: `app-${i % 4}`, tier: i % 2 ? 'web' : 'db' }, uid: `uid-${i}` },
    spec: { nodeName: i % 2 ? 'kube-router-vm1' : 'kube-router-vm2', containers: [{ name: 'c', image: 'x' }] },
    status: i % 7 === 0 ? { phase: 'Pending' } : { phase: 'Running', podIP: `10.242.${i % 2}.${(i % 250) + 2}`, podIPs: [{ ip: `10.242.${i % 2}.${(i % 250) + 2}` }] },
  }));
}

export function sampleObjects(extraPods = 0): Record<string, RawObject[]> {
  return {
    nodes: corpusItems('kube-router-testdata-dualstack-nodes-list.yaml'),
    pods: [...corpusItems('kube-router-testdata-dualstack-pods-list.yaml'), ...generatedPods(extraPods)],
    services: corpusItems('kube-router-testdata-dualstack-services-list.yaml'),
    namespaces: ['default', 'kube-system', 'team-0', 'team-1', 'team-2'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    endpointslices: [],
    networkpolicies: corpusItems('kube-router-testdata-networkpolicy-list.yaml'),
    configmaps: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: { 'config.conf': 'mode: iptables\n' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: {} },
    ],
    daemonsets: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, spec: {} }],
    servicecidrs: [{ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'kubernetes' }, spec: { cidrs: ['10.96.0.0/12'] } }],
  };
}
