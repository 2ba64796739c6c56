/**
 * A hand-built Snapshot of a small kind-like cluster for command tests: flannel, kubeadm flags,
 * a ServiceCIDR, one node 84% full, one node with a dual-stack range.
 */
import type { Snapshot } from '../../../src/snapshot/types.js';
import { daemonSet, mirrorPod, node, pod, service, serviceCidr, snapshotOf } from '../../analyze/cidr/helpers.js';

export function kindSnapshot(): Snapshot {
  const busy = Array.from({ length: 212 }, (_, i) => pod('shop', `cart-${i}`, 'kind-worker2', [`10.244.1.${i + 2}`]));
  return snapshotOf(
    {
      nodes: [
        node('kind-worker', '172.18.0.2', ['10.244.0.0/24', 'fd00:10:244::/64']),
        node('kind-worker2', '172.18.0.3', ['10.244.1.0/24'], { maxPods: 250 }),
        node('kind-worker3', '172.18.0.4', ['10.244.2.0/24']),
      ],
      pods: [
        pod('default', 'client', 'kind-worker', ['10.244.0.5', 'fd00:10:244::5']),
        pod('default', 'web-1', 'kind-worker3', ['10.244.2.4']),
        pod('kube-system', 'kube-proxy-abc', 'kind-worker', ['172.18.0.2']),
        ...busy,
        mirrorPod('kube-apiserver', 'kind-control-plane', ['--service-cluster-ip-range=10.96.0.0/12']),
        mirrorPod('kube-controller-manager', 'kind-control-plane', ['--allocate-node-cidrs=true', '--cluster-cidr=10.244.0.0/16']),
      ],
      services: [service('default', 'kubernetes', ['10.96.0.1']), service('default', 'web', ['10.96.41.7'])],
      servicecidrs: [serviceCidr('kubernetes', ['10.96.0.0/12'])],
      configmaps: [],
      daemonsets: [daemonSet('kube-flannel', 'kube-flannel-ds')],
    },
    { serverVersion: { gitVersion: 'v1.33.1' } },
  );
}
