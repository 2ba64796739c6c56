/** Finding kube-proxy (and what replaces it) among the API objects of a Snapshot. */
import type { V1Container, V1DaemonSet, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { nsName, objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { KubeProxyInstance } from './types.js';

const KUBE_SYSTEM = 'kube-system';

/** The kube-proxy container of a pod spec: named kube-proxy, or running a kube-proxy image/binary. */
export function kubeProxyContainer(spec: V1PodSpec | undefined): V1Container | undefined {
  const cs = spec?.containers ?? [];
  return (
    cs.find((c) => c.name === 'kube-proxy') ??
    cs.find((c) => /(^|\/)kube-proxy([:@]|$)/.test(c.image ?? '') || (c.command ?? []).some((a) => /(^|\/)kube-proxy$/.test(a)))
  );
}

export const argvOf = (c: V1Container): string[] => [...(c.command ?? []), ...(c.args ?? [])];

/** DaemonSets that run kube-proxy (kubeadm, EKS, AKS name it `kube-proxy`; some vendors do not). */
export function kubeProxyDaemonSets(s: Snapshot): V1DaemonSet[] {
  return objectsOf(s, 'daemonsets').filter((d) => d.metadata?.namespace === KUBE_SYSTEM && kubeProxyContainer(d.spec?.template?.spec) !== undefined);
}

export function daemonSetNamed(s: Snapshot, name: string): V1DaemonSet | undefined {
  return objectsOf(s, 'daemonsets').find((d) => d.metadata?.namespace === KUBE_SYSTEM && d.metadata?.name === name);
}

/** A mirror pod: the API's copy of a static pod (annotation config.mirror, or owned by the Node). */
export function isMirrorPod(p: V1Pod): boolean {
  const ann = p.metadata?.annotations ?? {};
  return 'kubernetes.io/config.mirror' in ann || (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Node');
}

/** kube-proxy pods in kube-system, from a DaemonSet or static manifests. */
export function kubeProxyPods(s: Snapshot): V1Pod[] {
  return objectsOf(s, 'pods').filter((p) => p.metadata?.namespace === KUBE_SYSTEM && kubeProxyContainer(p.spec) !== undefined);
}

/** The image tag as a version (`registry.k8s.io/kube-proxy:v1.33.1` → `v1.33.1`); digests give none. */
function imageVersion(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const noDigest = image.split('@')[0] ?? '';
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(colon + 1) : undefined;
}

/**
 * The kube-proxy running on a node: its pod if listed, else a host process the probe found (`process`),
 * else the DaemonSet's image (when one exists). `version`: what the running kube-proxy reports, when probed.
 */
export function kubeProxyOnNode(s: Snapshot, node: string, version?: string, hostProcess = false): KubeProxyInstance | undefined {
  const pod = kubeProxyPods(s).find((p) => p.spec?.nodeName === node);
  if (pod) {
    const c = kubeProxyContainer(pod.spec);
    const status = (pod.status?.containerStatuses ?? []).find((cs) => cs.name === c?.name);
    const started = status?.state?.running?.startedAt ?? pod.status?.startTime;
    return {
      pod: nsName(pod),
      via: isMirrorPod(pod) ? 'static' : 'daemonset',
      version: version ?? imageVersion(status?.image ?? c?.image),
      image: c?.image,
      ...(started ? { startedAt: String(started) } : {}),
    };
  }
  if (hostProcess) return { via: 'process', ...(version ? { version } : {}) };
  const ds = kubeProxyDaemonSets(s)[0];
  if (!ds) return version ? { via: 'process', version } : undefined;
  const c = kubeProxyContainer(ds.spec?.template?.spec);
  return { via: 'daemonset-image', version: version ?? imageVersion(c?.image), image: c?.image };
}
