/** Builders for NetworkPolicy test worlds: raw API-shaped objects, exactly as a snapshot holds them. */
import type { V1NetworkPolicy, V1Pod } from '../../../src/model/k8s.js';
import type { FlowEnd, PolicyFlow, Proto } from '../../../src/analyze/policy/types.js';

export interface PodOpts {
  ns: string;
  name: string;
  ip: string;
  labels?: Record<string, string>;
  node?: string;
  hostIP?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  hostNetwork?: boolean;
}

export function pod(o: PodOpts): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, namespace: o.ns, labels: o.labels ?? {} },
    spec: { nodeName: o.node ?? 'node-a', hostNetwork: o.hostNetwork ?? false, containers: [{ name: 'c', image: 'x', ports: o.ports ?? [] }] },
    status: { phase: 'Running', podIP: o.ip, podIPs: [{ ip: o.ip }], hostIP: o.hostIP ?? '172.18.0.2' },
  } as V1Pod;
}

export function podEnd(p: V1Pod): FlowEnd {
  return {
    kind: 'pod',
    pod: p,
    name: `${p.metadata!.namespace}/${p.metadata!.name}`,
    namespace: p.metadata!.namespace!,
    ip: p.status!.podIP!,
    node: p.spec!.nodeName!,
    hostIP: p.status!.hostIP!,
  };
}

export const ipEnd = (ip: string): FlowEnd => ({ kind: 'ip', ip, owner: 'external' });

/** A NetworkPolicy from its spec (raw JSON: `from`, not client-node's `_from`). */
export function np(ns: string, name: string, spec: Record<string, unknown>): V1NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec } as unknown as V1NetworkPolicy;
}

export const namespace = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

export const flow = (source: FlowEnd, destination: FlowEnd, port: number, protocol: Proto = 'tcp'): PolicyFlow => ({ source, destination, port, protocol });
