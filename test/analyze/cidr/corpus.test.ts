/** The cidr analysis on real API objects from ../shared/corpus/k8s-objects. */
import { describe, expect, it } from 'vitest';
import { analyzeCidr } from '../../../src/analyze/cidr/index.js';
import { detectCni } from '../../../src/analyze/cidr/cni.js';
import { readCorpus } from '../../support/corpus.js';
import { corpusItems, daemonSet, snapshotOf } from './helpers.js';

describe('kube-router dual-stack objects', () => {
  const snapshot = snapshotOf({
    nodes: corpusItems('kube-router-testdata-dualstack-nodes-list.yaml'),
    pods: corpusItems('kube-router-testdata-dualstack-pods-list.yaml'),
    services: corpusItems('kube-router-testdata-dualstack-services-list.yaml'),
    daemonsets: [daemonSet('kube-system', 'kube-router')],
  });
  const r = analyzeCidr(snapshot);

  it('reads both families of every node and counts pod IPs per family', () => {
    const vm2 = r.nodes.find((n) => n.name === 'kube-router-vm2');
    expect(vm2?.internalIPs).toEqual(['10.241.0.21', '2001:db8:ca2:2::e7e5']);
    expect(vm2?.podCIDRs.map((u) => [u.cidr, u.family, u.used, u.usable])).toEqual([
      ['10.242.1.0/24', 4, 1, '253'],
      ['2001:db8:42:1001::/64', 6, 1, '18446744073709551614'],
    ]);
    expect(vm2?.podCIDRs[1]?.usableLog2).toBe(64);
    expect(vm2).toMatchObject({ pods: 1, podIPs: 2, outside: { count: 0 } });
    expect(r.cni).toMatchObject({ name: 'kube-router', ipam: 'node-podcidr' });
  });

  it('no overlap findings; service CIDR unknown without a source is said, not guessed', () => {
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.findings.map((f) => f.code)).toContain('service-cidr-unknown');
    expect(r.serviceCidrs.claims.map((c) => c.source)).toEqual(['kubernetes-service-ip']);
  });

  it('with only the primary IP listed (Table view), IPv6 usage is unknown, not zero', () => {
    const table = analyzeCidr({ ...snapshot, cluster: { ...snapshot.cluster, views: { pods: 'table' } } });
    const v6 = table.nodes[0]?.podCIDRs[1];
    expect(v6?.used).toBeNull();
    expect(table.findings.map((f) => f.code)).toContain('secondary-family-not-listed');
  });

  it('a pod moved to an address outside its node range is flagged as unexpected for host-local IPAM', () => {
    const pods = corpusItems('kube-router-testdata-dualstack-pods-list.yaml');
    const moved = structuredClone(pods);
    const st = (moved[0] as { status: { podIPs: { ip: string }[] } }).status;
    st.podIPs[0] = { ip: '10.242.0.77' }; // vm1's range, pod is on vm2
    const r2 = analyzeCidr({ ...snapshot, cluster: { ...snapshot.cluster, objects: { ...snapshot.cluster.objects, pods: moved } } });
    const f = r2.findings.find((x) => x.code === 'pod-ip-outside-node-podcidr');
    expect(f?.severity).toBe('warning');
    expect(f?.evidence).toEqual([{ what: 'pod default/whoami-nflzk on kube-router-vm2', value: '10.242.0.77' }]);
  });
});

describe('EKS objects (no podCIDR, AWS VPC CNI)', () => {
  const nodes = corpusItems('real-eks-1.14-nodes-list-no-podcidr.json');
  const services = corpusItems('real-eks-1.14-services-list-kubernetes-10.100.0.1.json');

  it('nodes without podCIDR are expected with aws-node, and the kubernetes Service gives only a hint', () => {
    const r = analyzeCidr(snapshotOf({ nodes, pods: [], services, daemonsets: [daemonSet('kube-system', 'aws-node')] }));
    expect(r.nodes).toHaveLength(2);
    expect(r.nodes.every((n) => n.podCIDRs.length === 0)).toBe(true);
    const f = r.findings.find((x) => x.code === 'node-without-podcidr');
    expect(f).toMatchObject({ severity: 'info' });
    expect(f?.message).toContain('expected: aws-vpc-cni does not use node podCIDRs');
    expect(r.serviceCidrs.claims[0]).toMatchObject({ source: 'kubernetes-service-ip', confidence: 'low', cidrs: [] });
    expect(r.serviceCidrs.claims[0]?.note).toContain('10.100.0.0');
  });

  it('without a recognised CNI the same nodes are not called wrong, only uncertain', () => {
    const r = analyzeCidr(snapshotOf({ nodes, pods: [], services }));
    expect(r.cni.name).toBe('unknown');
    expect(r.findings.find((x) => x.code === 'node-without-podcidr')?.severity).toBe('info');
    expect(r.findings.map((x) => x.code)).toContain('cni-unknown');
  });
});

describe('CNI detection from real CNI configs', () => {
  const withFile = (file: string, path = '/etc/cni/net.d/10-x.conflist') => snapshotOf({}, {}, { n1: { dumps: {}, files: { [path]: readCorpus('cni', file) } } });

  it.each([
    ['calico-10-calico.conflist', 'calico', 'calico-ipam'],
    ['flannel-10-flannel.conflist', 'flannel', 'node-podcidr'],
    ['real-eks-node-cat-10-aws.conflist', 'aws-vpc-cni', 'cloud-vpc'],
    ['aws-vpc-cni-00-multus.conf-delegating-10-aws.json', 'aws-vpc-cni', 'cloud-vpc'],
    ['cilium-chained-into-aws-10-aws.conflist', 'aws-vpc-cni (cilium chained)', 'cloud-vpc'],
    ['kube-router-10-kuberouter.conflist', 'kube-router', 'node-podcidr'],
  ])('%s → %s / %s', (file, name, ipam) => {
    expect(detectCni(withFile(file))).toMatchObject({ name, ipam });
  });

  it('the first file in lexical order decides, and an unknown plugin stays unknown', () => {
    const s = snapshotOf({}, {}, {
      n1: { dumps: {}, files: { '/etc/cni/net.d/20-flannel.conflist': readCorpus('cni', 'flannel-10-flannel.conflist'), '/etc/cni/net.d/05-x.conflist': '{"plugins":[{"type":"mystery"}]}' } },
    });
    const c = detectCni(s);
    expect(c.name).toBe('unknown');
    expect(c.uncertainty).toContain('"mystery"');
  });

  it('Calico with calico-ipam: pod IPs outside the node podCIDR but inside an IPPool are expected', () => {
    const s = snapshotOf(
      {
        nodes: [{ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } }],
        pods: [
          { metadata: { namespace: 'a', name: 'p' }, spec: { nodeName: 'n1' }, status: { phase: 'Running', podIP: '192.168.77.3' } },
          { metadata: { namespace: 'a', name: 'q' }, spec: { nodeName: 'n1' }, status: { phase: 'Running', podIP: '172.30.0.3' } },
        ],
        services: [],
        ippools: [{ apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '192.168.64.0/18', blockSize: 26 } }],
      },
      {},
      { n1: { dumps: {}, files: { '/etc/cni/net.d/10-calico.conflist': readCorpus('cni', 'calico-10-calico.conflist') } } },
    );
    const r = analyzeCidr(s);
    expect(r.clusterCidrs.ranges[0]).toMatchObject({ cidr: '192.168.64.0/18', source: { source: 'calico-ippool' } });
    const outside = r.findings.filter((f) => f.code === 'pod-ip-outside-node-podcidr');
    // q (172.30.0.3) is in no pool: the node's verdict is "unexpected".
    expect(outside).toHaveLength(1);
    expect(outside[0]?.message).toContain('in none of them');
    expect(r.nodes[0]?.podCIDRs[0]?.utilisation).toBeNull();
  });
});

describe('Cilium cluster-pool', () => {
  it('uses CiliumNode ranges per node and cilium-config pools as the cluster CIDR', () => {
    const s = snapshotOf({
      nodes: [{ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } }],
      pods: [{ metadata: { namespace: 'a', name: 'p' }, spec: { nodeName: 'n1' }, status: { phase: 'Running', podIP: '10.0.3.17' } }],
      services: [],
      daemonsets: [daemonSet('kube-system', 'cilium')],
      configmaps: [{ metadata: { namespace: 'kube-system', name: 'cilium-config' }, data: { ipam: 'cluster-pool', 'cluster-pool-ipv4-cidr': '10.0.0.0/8' } }],
      ciliumnodes: [{ apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'n1' }, spec: { ipam: { podCIDRs: ['10.0.3.0/24'] } } }],
    });
    const r = analyzeCidr(s);
    expect(r.cni).toMatchObject({ name: 'cilium', ipam: 'cilium-cluster-pool' });
    expect(r.clusterCidrs.ranges[0]).toMatchObject({ cidr: '10.0.0.0/8', source: { source: 'cilium-config' } });
    expect(r.nodes[0]?.podCIDRs[0]).toMatchObject({ cidr: '10.0.3.0/24', origin: 'ciliumnode.spec.ipam.podCIDRs', used: 1 });
    expect(r.nodes[0]?.outside.count).toBe(0);
  });
});
