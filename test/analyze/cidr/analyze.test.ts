import { describe, expect, it } from 'vitest';
import { analyzeCidr } from '../../../src/analyze/cidr/index.js';
import type { CidrReport, FindingCode } from '../../../src/analyze/cidr/types.js';
import { configMap, corpusItems, daemonSet, mirrorPod, node, pod, service, serviceCidr, snapshotOf } from './helpers.js';
import { readCorpus } from '../../support/corpus.js';

const codes = (r: CidrReport): FindingCode[] => r.findings.map((f) => f.code);
const finding = (r: CidrReport, code: FindingCode) => r.findings.find((f) => f.code === code);

/** A kind-like cluster: flannel, kubeadm flags, ServiceCIDR object. */
function kindCluster(podsOnWorker2 = 31) {
  const pods = [
    pod('default', 'a', 'kind-worker', ['10.244.0.5']),
    pod('default', 'done', 'kind-worker', ['10.244.0.6'], { phase: 'Succeeded' }),
    pod('kube-system', 'kube-proxy-x', 'kind-worker', ['172.18.0.2']), // hostNetwork seen through its IP only
    ...Array.from({ length: podsOnWorker2 }, (_, i) => pod('default', `w2-${i}`, 'kind-worker2', [`10.244.1.${i + 2}`])),
  ];
  return snapshotOf({
    nodes: [node('kind-worker', '172.18.0.2', ['10.244.0.0/24']), node('kind-worker2', '172.18.0.3', ['10.244.1.0/24'], { maxPods: 250 })],
    pods: [
      ...pods,
      mirrorPod('kube-apiserver', 'cp', ['--service-cluster-ip-range=10.96.0.0/12', '--secure-port=6443']),
      mirrorPod('kube-controller-manager', 'cp', ['--allocate-node-cidrs=true', '--cluster-cidr=10.244.0.0/16', '--node-cidr-mask-size', '24', '--service-cluster-ip-range=10.96.0.0/12']),
    ],
    services: [service('default', 'kubernetes', ['10.96.0.1']), service('default', 'web', ['10.96.41.7']), service('default', 'headless', ['None'])],
    servicecidrs: [serviceCidr('kubernetes', ['10.96.0.0/12'])],
    daemonsets: [daemonSet('kube-flannel', 'kube-flannel-ds')],
    configmaps: [],
  });
}

describe('analyzeCidr on a hand-made kind cluster', () => {
  it('takes the service CIDR from the ServiceCIDR object, confirmed by the flags', () => {
    const r = analyzeCidr(kindCluster());
    expect(r.serviceCidrs.ranges).toHaveLength(1);
    const s = r.serviceCidrs.ranges[0];
    expect(s).toMatchObject({ cidr: '10.96.0.0/12', confidence: 'high' });
    expect(s?.source.detail).toBe('ServiceCIDR "kubernetes"');
    expect(s?.confirmedBy).toEqual(['kube-system/kube-apiserver-cp --service-cluster-ip-range', 'kube-system/kube-controller-manager-cp --service-cluster-ip-range']);
    expect(r.clusterCidrs.ranges.map((x) => [x.cidr, x.source.source])).toEqual([['10.244.0.0/16', 'kube-controller-manager-flag']]);
    expect(r.nodeCidrMaskSize).toMatchObject({ ipv4: 24, ipv6: 24 });
    expect(r.allocateNodeCidrs?.value).toBe(true);
  });

  it('counts pods, skips terminal and hostNetwork ones, computes usage with the host-local rule', () => {
    const r = analyzeCidr(kindCluster());
    const w1 = r.nodes.find((n) => n.name === 'kind-worker');
    expect(w1).toMatchObject({ pods: 1, podIPs: 1, internalIPs: ['172.18.0.2'] });
    expect(w1?.podCIDRs[0]).toMatchObject({ cidr: '10.244.0.0/24', size: '256', usable: '253', used: 1 });
    expect(r.totals.hostNetworkPods).toBe(3); // kube-proxy-x + 2 mirror pods
    expect(r.cni).toMatchObject({ name: 'flannel', ipam: 'node-podcidr' });
    expect(codes(r)).not.toContain('podcidr-nearly-exhausted');
  });

  it('warns when a node range is more than 80% used', () => {
    const r = analyzeCidr(kindCluster(212));
    const f = finding(r, 'podcidr-nearly-exhausted');
    expect(f?.severity).toBe('warning');
    expect(f?.message).toBe('kind-worker2 podCIDR 10.244.1.0/24 83.8% used, 41 addresses left (kubelet max-pods is 250)');
    // 253 usable addresses hold kubelet's 250 pods: no "smaller than max pods" finding.
    expect(codes(r)).not.toContain('podcidr-smaller-than-max-pods');
  });
});

describe('findings on hand-made objects', () => {
  it('pod/service overlap, node IPs inside ranges, node ranges outside the cluster CIDR', () => {
    const s = snapshotOf({
      nodes: [node('n1', '10.96.5.5', ['10.244.0.0/24']), node('n2', '10.244.7.9', ['10.250.1.0/24'])],
      pods: [mirrorPod('kube-controller-manager', 'cp', ['--cluster-cidr=10.244.0.0/16'])],
      services: [],
      servicecidrs: [serviceCidr('kubernetes', ['10.96.0.0/12']), serviceCidr('extra', ['10.240.0.0/12'])],
    });
    const r = analyzeCidr(s);
    expect(finding(r, 'pod-service-overlap')?.message).toContain('10.240.0.0/12 overlaps cluster pod CIDR 10.244.0.0/16');
    expect(finding(r, 'node-ip-in-service-cidr')?.evidence[0]).toEqual({ what: 'node n1 InternalIP 10.96.5.5', value: 'inside service CIDR 10.96.0.0/12' });
    expect(finding(r, 'node-ip-in-pod-cidr')?.evidence[0]?.what).toBe('node n2 InternalIP 10.244.7.9');
    expect(finding(r, 'node-podcidr-outside-cluster-cidr')?.evidence).toEqual([{ what: 'node n2 podCIDR', value: '10.250.1.0/24' }]);
    expect(r.findings[0]?.severity).toBe('error');
  });

  it('duplicate and overlapping node podCIDRs', () => {
    const s = snapshotOf({
      nodes: [node('a', '192.168.0.1', ['10.244.1.0/24']), node('b', '192.168.0.2', ['10.244.1.0/24']), node('c', '192.168.0.3', ['10.244.0.0/23']), node('d', '192.168.0.4', ['10.244.2.0/24'])],
      pods: [],
      services: [],
    });
    const f = finding(analyzeCidr(s), 'node-podcidr-overlap');
    expect(f?.evidence.map((e) => e.value).sort()).toEqual(['10.244.0.0/23 overlaps 10.244.1.0/24', '10.244.0.0/23 overlaps 10.244.1.0/24'].sort());
    expect(f?.evidence.map((e) => e.what)).toEqual(expect.arrayContaining(['nodes c and a', 'nodes c and b']));
    expect(JSON.stringify(f)).not.toContain('nodes d');
  });

  it('range smaller than max pods, and a full range is an error', () => {
    const s = snapshotOf({
      nodes: [node('small', '192.168.0.1', ['10.244.1.0/28'], { maxPods: 110 })],
      pods: Array.from({ length: 13 }, (_, i) => pod('x', `p${i}`, 'small', [`10.244.1.${i + 2}`])),
      services: [],
      daemonsets: [daemonSet('kube-system', 'kindnet')],
    });
    const r = analyzeCidr(s);
    expect(finding(r, 'podcidr-smaller-than-max-pods')?.evidence[0]?.value).toBe('13 usable addresses < max pods 110');
    expect(finding(r, 'podcidr-exhausted')?.severity).toBe('error');
  });

  it('services outside every service CIDR (per family; headless ignored)', () => {
    const s = snapshotOf({
      nodes: [],
      pods: [],
      services: [service('default', 'kubernetes', ['10.96.0.1']), service('a', 'old', ['10.32.0.15']), service('a', 'v6', ['fd00::5']), service('a', 'h', ['None'])],
      servicecidrs: [serviceCidr('kubernetes', ['10.96.0.0/12'])],
    });
    const r = analyzeCidr(s);
    expect(finding(r, 'service-ip-outside-service-cidrs')?.evidence).toEqual([{ what: 'service a/old clusterIP', value: '10.32.0.15' }]);
  });

  it('sources that disagree are reported; kubeadm v1beta4 extraArgs list and v1beta3 map are read', () => {
    const v1beta4 = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.96.0.0/16\n  podSubnet: 10.244.0.0/16\ncontrollerManager:\n  extraArgs:\n  - name: cluster-cidr\n    value: 10.244.0.0/16\n';
    const s = snapshotOf({
      nodes: [],
      pods: [mirrorPod('kube-apiserver', 'cp', ['--service-cluster-ip-range=10.96.0.0/12'])],
      services: [],
      configmaps: [configMap('kube-system', 'kubeadm-config', { ClusterConfiguration: v1beta4 })],
    });
    const r = analyzeCidr(s);
    expect(r.serviceCidrs.ranges[0]?.cidr).toBe('10.96.0.0/12');
    expect(finding(r, 'cidr-sources-disagree')?.message).toContain('networking.serviceSubnet says 10.96.0.0/16');
    expect(r.clusterCidrs.ranges[0]).toMatchObject({ cidr: '10.244.0.0/16', confidence: 'high' });
    expect(r.clusterCidrs.ranges[0]?.source.detail).toContain('controllerManager.extraArgs cluster-cidr');

    const v1beta3 = 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.112.0.0/12\ncontrollerManager:\n  extraArgs:\n    cluster-cidr: 10.200.0.0/16\n';
    const r3 = analyzeCidr(snapshotOf({ nodes: [], pods: [], services: [], configmaps: [configMap('kube-system', 'kubeadm-config', { ClusterConfiguration: v1beta3 })] }));
    expect(r3.serviceCidrs.ranges[0]).toMatchObject({ cidr: '10.112.0.0/12', confidence: 'medium' });
    expect(r3.clusterCidrs.ranges[0]?.cidr).toBe('10.200.0.0/16');
  });

  it('an apiserver without the flag means its default 10.0.0.0/24', () => {
    const r = analyzeCidr(snapshotOf({ nodes: [], pods: [mirrorPod('kube-apiserver', 'cp', ['--secure-port=6443'])], services: [] }));
    expect(r.serviceCidrs.ranges[0]).toMatchObject({ cidr: '10.0.0.0/24', confidence: 'medium' });
    expect(r.serviceCidrs.ranges[0]?.source.note).toContain('default');
  });

  it('falls back to the dry-run probe, then the kubernetes Service hint (no range), then k3s assumptions', () => {
    const probe = analyzeCidr(snapshotOf({ nodes: [], pods: [], services: [] }, { serviceCidrProbe: { message: 'The Service "x" is invalid: spec.clusterIP: Invalid value: "1.1.1.1": provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16', status: 422 } }));
    expect(probe.serviceCidrs.ranges[0]).toMatchObject({ cidr: '10.43.0.0/16', confidence: 'medium' });

    const hint = analyzeCidr(snapshotOf({ nodes: [], pods: [], services: [service('default', 'kubernetes', ['10.100.0.1'])] }, { serviceCidrProbe: { message: 'provided IP 1.1.1.1 is not in the valid range' } }));
    expect(hint.serviceCidrs.ranges).toEqual([]);
    expect(hint.serviceCidrs.claims.map((c) => [c.source, c.cidrs.length])).toEqual([['dry-run-probe', 0], ['kubernetes-service-ip', 0]]);
    expect(hint.serviceCidrs.claims[1]?.note).toContain('starts at 10.100.0.0');
    expect(codes(hint)).toContain('service-cidr-unknown');

    const k3s = analyzeCidr(snapshotOf({ nodes: [], pods: [], services: [] }, { serverVersion: { gitVersion: 'v1.31.4+k3s1' } }));
    expect(k3s.serviceCidrs.ranges[0]).toMatchObject({ cidr: '10.43.0.0/16', confidence: 'assumed' });
    expect(k3s.clusterCidrs.ranges[0]).toMatchObject({ cidr: '10.42.0.0/16', confidence: 'assumed' });
  });

  it('kube-proxy clusterCIDR (dual-stack, comma separated) is a pod CIDR source', () => {
    const conf = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16,fd00:10:244::/56\nmode: iptables\n';
    const r = analyzeCidr(snapshotOf({ nodes: [], pods: [], services: [], configmaps: [configMap('kube-system', 'kube-proxy', { 'config.conf': conf })] }));
    expect(r.clusterCidrs.ranges.map((x) => [x.cidr, x.family])).toEqual([['10.244.0.0/16', 4], ['fd00:10:244::/56', 6]]);
  });

  it('a ServiceCIDR being deleted has medium confidence and says why', () => {
    const [sc] = corpusItems('servicecidr-newcidr1-deleting-with-finalizer.yaml');
    const r = analyzeCidr(snapshotOf({ nodes: [], pods: [], services: [], servicecidrs: sc ? [sc] : [] }));
    expect(r.serviceCidrs.ranges[0]).toMatchObject({ cidr: '10.96.0.0/24', confidence: 'medium' });
    expect(r.serviceCidrs.ranges[0]?.source.note).toBe('being deleted, not Ready (OrphanIPAddress)');
  });
});

describe('pods listed twice (Table listing + full kube-system mirror pods)', () => {
  it('the full copy wins and the pod is counted once', () => {
    const full = mirrorPod('kube-apiserver', 'cp', ['--service-cluster-ip-range=10.96.0.0/12']);
    const minimal = { metadata: { namespace: 'kube-system', name: 'kube-apiserver-cp' }, spec: { nodeName: 'cp' }, status: { phase: 'Running', podIP: '172.18.0.2' } };
    for (const pods of [[minimal, full], [full, minimal]]) {
      const r = analyzeCidr(snapshotOf({ nodes: [node('cp', '172.18.0.2', ['10.244.0.0/24'])], pods, services: [] }));
      expect(r.serviceCidrs.ranges[0]?.cidr).toBe('10.96.0.0/12');
      expect(r.totals.hostNetworkPods).toBe(1);
    }
  });
});

describe('kube-proxy clusterCIDR is no pod-only range', () => {
  /** A real EKS node list (AWS VPC CNI: no podCIDRs), its real aws-cni conflist, and kube-proxy's clusterCIDR set to the VPC's CIDR. */
  function eks(clusterCIDR: string) {
    const eksProxy = readCorpus('kube-proxy-config', 'real-eks-1.34-kube-proxy-config-configmap-data-config.yaml').replace('clusterCIDR: ""', `clusterCIDR: ${clusterCIDR}`);
    const nodes = corpusItems('real-eks-1.14-nodes-list-no-podcidr.json');
    const conflist = readCorpus('cni', 'real-eks-node-cat-10-aws.conflist');
    return snapshotOf(
      { nodes, pods: [], services: [], configmaps: [configMap('kube-system', 'kube-proxy-config', { config: eksProxy }), configMap('kube-system', 'kube-proxy', { config: eksProxy })] },
      {},
      { [nodes[0]?.metadata?.name ?? '']: { dumps: {}, files: { '/etc/cni/net.d/10-aws.conflist': conflist } } },
    );
  }

  it('EKS: node addresses inside kube-proxy\'s VPC-wide clusterCIDR are no error, only a note that kube-proxy counts them local', () => {
    const r = analyzeCidr(eks('192.168.0.0/16'));
    expect(r.cni).toMatchObject({ name: 'aws-vpc-cni', ipam: 'cloud-vpc' });
    expect(r.clusterCidrs.ranges.map((x) => [x.cidr, x.source.source])).toEqual([['192.168.0.0/16', 'kube-proxy-config']]);
    expect(codes(r)).not.toContain('node-ip-in-pod-cidr');
    const note = finding(r, 'node-ip-in-cluster-cidr');
    expect(note?.severity).toBe('info');
    expect(note?.evidence.map((e) => e.what)).toEqual(['node ip-192-168-4-135.eu-central-1.compute.internal InternalIP 192.168.4.135', 'node ip-192-168-47-102.eu-central-1.compute.internal InternalIP 192.168.47.102']);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('a pod-only cluster range (controller-manager --cluster-cidr) holding a node address is still an error', () => {
    const s = eks('192.168.0.0/16');
    s.cluster.objects.pods = [mirrorPod('kube-controller-manager', 'cp', ['--cluster-cidr=192.168.0.0/20'])];
    s.nodes = {};
    const r = analyzeCidr(s);
    expect(finding(r, 'node-ip-in-pod-cidr')?.evidence.map((e) => e.value)).toEqual(['inside pod range 192.168.0.0/20']);
  });
});
