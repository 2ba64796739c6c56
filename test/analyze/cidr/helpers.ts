/** Hand-made objects and snapshots for the cidr tests. */
import { parse as parseYaml } from 'yaml';
import type { RawObject, Snapshot } from '../../../src/snapshot/types.js';
import { readCorpus } from '../../support/corpus.js';
import { snapshotOf as build } from '../../support/snapshot.js';

export function snapshotOf(objects: Snapshot['cluster']['objects'], extra: Partial<Snapshot['cluster']> = {}, nodes: Snapshot['nodes'] = {}): Snapshot {
  return build({ objects, cluster: extra, nodes });
}

export function node(name: string, ip: string, podCIDRs: string[], opts: { maxPods?: number } = {}): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: podCIDRs.length ? { podCIDR: podCIDRs[0], podCIDRs } : {},
    status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }], allocatable: { pods: String(opts.maxPods ?? 110) } },
  };
}

export function pod(ns: string, name: string, nodeName: string, ips: string[], opts: { phase?: string; hostNetwork?: boolean } = {}): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: ns, name },
    spec: { nodeName, ...(opts.hostNetwork ? { hostNetwork: true } : {}) },
    status: { phase: opts.phase ?? 'Running', ...(ips[0] ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}) },
  };
}

export function service(ns: string, name: string, clusterIPs: string[]): RawObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { clusterIP: clusterIPs[0], clusterIPs } };
}

export function mirrorPod(component: string, nodeName: string, flags: string[]): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'kube-system', name: `${component}-${nodeName}`, labels: { component, tier: 'control-plane' } },
    spec: { nodeName, hostNetwork: true, containers: [{ name: component, command: [component, ...flags] }] },
    status: { phase: 'Running', podIP: '172.18.0.2' },
  };
}

export function configMap(ns: string, name: string, data: Record<string, string>): RawObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, name }, data };
}

export function daemonSet(ns: string, name: string): RawObject {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { namespace: ns, name } };
}

export function serviceCidr(name: string, cidrs: string[]): RawObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name }, spec: { cidrs }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
}

/** Items of a corpus List (yaml or json). */
export function corpusItems(file: string): RawObject[] {
  const text = readCorpus('k8s-objects', file);
  const doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as { items?: RawObject[] } & RawObject;
  return doc.items ?? [doc];
}
