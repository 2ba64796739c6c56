/** The bundled lab snapshot (flannel, iptables) with NetworkPolicies added: the `policy` use case's test world. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../support/corpus.js';
import type { RawObject, Snapshot } from '../../../src/snapshot/types.js';

export function labSnapshot(policies: Record<string, unknown>[] = [], extra: { daemonsets?: RawObject[] } = {}): Snapshot {
  const s = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json'), 'utf8')) as Snapshot;
  s.cluster.objects.networkpolicies = policies.map((p) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', ...p }) as RawObject);
  if (extra.daemonsets) s.cluster.objects.daemonsets = [...(s.cluster.objects.daemonsets ?? []), ...extra.daemonsets];
  return s;
}

/** default: ingress default-deny for every pod, plus client → app=web on the named port "http". */
export const LAB_POLICIES = [
  { metadata: { name: 'default-deny', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
  {
    metadata: { name: 'client-to-web', namespace: 'default' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'http' }] }] },
  },
];

export const calicoDaemonSet: RawObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'calico-node', namespace: 'calico-system' },
  spec: { template: { spec: { containers: [{ name: 'calico-node', image: 'quay.io/calico/node:v3.29.0' }] } } },
};
