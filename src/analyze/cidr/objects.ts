/**
 * Small readers over raw objects the cidr analysis needs: mirror-pod flags, ConfigMap keys, node
 * addresses. Pods may arrive twice (a light Table listing plus full kube-system mirror pods): the
 * fullest copy wins.
 */
import { yamlLib } from '../../util/yaml-lib.js';
import type { V1ConfigMap, V1Node, V1Pod } from '../../model/k8s.js';
import { objectsOf, nsName } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';

/**
 * Pods without duplicates; of two copies of one pod, the one with spec.containers (a full object)
 * wins over a minimal Table copy. Only kube-system is checked: that is where a full mirror-pod
 * request and the cluster-wide Table listing overlap, and a cluster-wide key map would cost
 * 150,000 strings on a big cluster.
 */
export function uniquePods(snapshot: Snapshot): V1Pod[] {
  const all = objectsOf(snapshot, 'pods');
  const system = new Map<string, V1Pod>();
  const out: V1Pod[] = [];
  for (const p of all) {
    if (p.metadata?.namespace !== 'kube-system') {
      out.push(p);
      continue;
    }
    const key = nsName(p);
    const seen = system.get(key);
    if (!seen || (!seen.spec?.containers && p.spec?.containers)) system.set(key, p);
  }
  return out.concat([...system.values()]);
}

export type ControlPlaneComponent = 'kube-apiserver' | 'kube-controller-manager';

/** Static mirror pods of a control-plane component in kube-system (label `component`, else name prefix). */
export function mirrorPods(pods: V1Pod[], component: ControlPlaneComponent): V1Pod[] {
  return pods
    .filter((p) => p.metadata?.namespace === 'kube-system')
    .filter((p) => p.metadata?.labels?.component === component || (p.metadata?.name ?? '').startsWith(`${component}-`))
    .filter((p) => (p.spec?.containers ?? []).length > 0)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/**
 * The value of `--flag` in a component's command line (`--flag=v` or `--flag v`); undefined when
 * absent. The container running the component is the one whose argv mentions it, else the first.
 */
export function flagValue(pod: V1Pod, component: string, flag: string): string | undefined {
  const containers = pod.spec?.containers ?? [];
  const c = containers.find((x) => [...(x.command ?? []), ...(x.args ?? [])].some((a) => a.includes(component))) ?? containers[0];
  const argv = [...(c?.command ?? []), ...(c?.args ?? [])];
  const name = `--${flag}`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
    // A bare boolean flag (`--allocate-node-cidrs`) is followed by the next flag, not a value.
    if (a === name) return argv[i + 1] !== undefined && !argv[i + 1]?.startsWith('-') ? argv[i + 1] : 'true';
  }
  return undefined;
}

export function configMap(snapshot: Snapshot, namespace: string, name: string): V1ConfigMap | undefined {
  return objectsOf(snapshot, 'configmaps').find((c) => c.metadata?.namespace === namespace && c.metadata?.name === name);
}

/** A YAML document inside a ConfigMap key, parsed; `{error}` names what is wrong with it. */
export function yamlKey(cm: V1ConfigMap, key: string): { value: Record<string, unknown> } | { error: string } | undefined {
  const text = cm.data?.[key];
  if (text === undefined) return undefined;
  try {
    const v: unknown = yamlLib().parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return { value: v as Record<string, unknown> };
    return { error: `key ${key} is not a YAML mapping` };
  } catch (e) {
    return { error: `key ${key} is not valid YAML: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Reads a nested field of unknown data without trusting its shape. */
export function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export function nodeAddresses(node: V1Node, type?: string): string[] {
  return (node.status?.addresses ?? []).filter((a) => !type || a.type === type).map((a) => a.address);
}

/** Node.spec.podCIDRs, falling back to the single podCIDR older objects carry. */
export function nodePodCidrs(node: V1Node): string[] {
  const list = node.spec?.podCIDRs;
  if (list && list.length > 0) return list;
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

/** max pods the kubelet admits: allocatable first (what the scheduler uses), else capacity. */
export function maxPods(node: V1Node): number | null {
  const v = node.status?.allocatable?.pods ?? node.status?.capacity?.pods;
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : null;
}
