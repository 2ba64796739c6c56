/**
 * The IPv6 half of a dual-stack lab, without root: the address plan, what the IPv6 kube-proxy proxier
 * is given and renders (upstream's IPv6 differences), and the dual-stack shape of the API objects.
 */
import { describe, expect, it } from 'vitest';
import { dualStack, DS_IPS } from './dual-stack.js';
import { kubeProxyInput6, labServices6 } from './ipv6.js';
import { renderIptables } from './kube-proxy/iptables.js';
import { renderNftables } from './kube-proxy/nftables.js';
import { labObjects } from './objects.js';
import { kubeProxyInput } from './proxy.js';
import { nodeByName, planAddresses, podByName } from './spec.js';
import { standardSpec } from './topologies.js';

const plan = planAddresses(dualStack.spec!(standardSpec('host-gw', 'iptables')));
type Obj = Record<string, any>;

describe('dual-stack address plan', () => {
  it('nodes and pods get IPv6 beside IPv4, printed the way the kernel prints them', () => {
    expect(nodeByName(plan, 'node-a')).toMatchObject({ ip6: 'fd00:31:250::10', podCIDR6: 'fd00:10:244::/64', podGateway6: 'fd00:10:244::1' });
    expect(nodeByName(plan, 'node-b')).toMatchObject({ ip6: 'fd00:31:250::11', podCIDR6: 'fd00:10:244:1::/64' });
    expect(podByName(plan, 'web-1')).toMatchObject({ ip: '10.244.1.10', ip6: 'fd00:10:244:1::10' });
  });

  it('an IPv4-only spec has no IPv6 anywhere; dual-stack is host-gw only', () => {
    const v4 = planAddresses(standardSpec('host-gw', 'iptables'));
    expect(JSON.stringify(v4)).not.toMatch(/fd00/);
    expect(() => planAddresses({ ...standardSpec('vxlan', 'iptables'), ipv6: true })).toThrowError(/host-gw only/);
  });
});

describe('the IPv6 kube-proxy proxier', () => {
  const node = nodeByName(plan, 'node-a');

  it('sees only the dual-stack service, with its IPv6 ClusterIP and the pods’ IPv6 addresses', () => {
    const svcs = labServices6(plan);
    expect(svcs.map((s) => s.name)).toEqual(['web']);
    expect(svcs[0]!.clusterIP).toBe(DS_IPS.web6);
    expect(svcs[0]!.endpoints.map((e) => e.ip)).toEqual(['fd00:10:244::11', 'fd00:10:244:1::10', 'fd00:10:244:1::11']);
    expect(kubeProxyInput6(plan, node)).toMatchObject({ nodeIPs: ['fd00:31:250::10'], clusterCIDR: 'fd00:10:244::/56', serviceCIDRs: ['fd00:10:96::/112'], family: 6 });
  });

  it('renders upstream’s IPv6 differences: no localnet KUBE-FIREWALL rule, no 127.0.0.0/8 NodePorts, `! -d ::1/128`, bracketed DNAT', () => {
    const text = renderIptables(kubeProxyInput6(plan, node));
    expect(text).not.toMatch(/127\.0\.0\.0\/8/);
    expect(text).toContain('-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS');
    expect(text).toMatch(/-d fd00:10:96::a --dport 80 -j KUBE-SVC-/);
    expect(text).toMatch(/-j DNAT --to-destination \[fd00:10:244:1::10\]:8080/);
    expect(text).toMatch(/! -s fd00:10:244::\/56 -j KUBE-MARK-MASQ/);
    // kubelet's (empty) KUBE-FIREWALL is still declared and jumped to.
    expect(text).toMatch(/^:KUBE-FIREWALL - \[0:0\]$/m);
  });

  it('nftables mode: table ip6 kube-proxy with ipv6_addr sets and ip6 matches (upstream ipX / ipvX_addr)', () => {
    const text = renderNftables(kubeProxyInput6(plan, node));
    expect(text.split('\n').slice(0, 3)).toEqual(['add table ip6 kube-proxy', 'delete table ip6 kube-proxy', 'add table ip6 kube-proxy { comment "rules for kube-proxy" ; }']);
    expect(text).not.toMatch(/\bip kube-proxy|ipv4_addr|\bip (s|d)addr/);
    expect(text).toContain('add set ip6 kube-proxy cluster-ips { type ipv6_addr ; comment "Active ClusterIPs" ; }');
    expect(text).toContain('add element ip6 kube-proxy nodeport-ips { fd00:31:250::10 }');
    expect(text).toContain('add rule ip6 kube-proxy cluster-ips-check ip6 daddr { fd00:10:96::/112 } drop comment "Drop traffic to unallocated ClusterIPs"');
    expect(text).toMatch(/add element ip6 kube-proxy service-ips \{ fd00:10:96::a \. tcp \. 80 : goto service-/);
    expect(text).toMatch(/meta l4proto tcp dnat to \[fd00:10:244:1::10\]:8080/);
  });

  it('the IPv4 proxier of the same lab is unchanged by the IPv6 half', () => {
    const v4 = renderIptables(kubeProxyInput(plan, node));
    expect(v4).not.toMatch(/fd00/);
    expect(v4).toContain('-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  });
});

describe('dual-stack API objects', () => {
  const { objects } = labObjects(plan, '2026-11-22T22:00:00Z', '6.1.0-test');
  const find = (res: string, name: string) => objects[res]?.find((o) => o.metadata?.name === name) as Obj | undefined;

  it('nodes list both podCIDRs and both InternalIPs; pods both podIPs', () => {
    expect(find('nodes', 'node-b')?.spec).toEqual({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] });
    expect(find('nodes', 'node-b')?.status.addresses.filter((a: Obj) => a.type === 'InternalIP').map((a: Obj) => a.address)).toEqual(['172.31.250.11', 'fd00:31:250::11']);
    expect(find('pods', 'web-1')?.status.podIPs).toEqual([{ ip: '10.244.1.10' }, { ip: 'fd00:10:244:1::10' }]);
    expect(find('pods', 'web-1')?.status.hostIPs).toEqual([{ ip: '172.31.250.11' }, { ip: 'fd00:31:250::11' }]);
  });

  it('web is RequireDualStack with an EndpointSlice per family; other services stay IPv4 SingleStack', () => {
    expect(find('services', 'web')?.spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', DS_IPS.web6], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    expect(find('services', 'echo')?.spec).toMatchObject({ clusterIPs: ['10.96.0.14'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    const slices = (objects['endpointslices'] as Obj[]).filter((s) => s.metadata.labels['kubernetes.io/service-name'] === 'web');
    expect(slices.map((s) => s.addressType)).toEqual(['IPv4', 'IPv6']);
    expect(slices[1]!.endpoints.map((e: Obj) => [e.addresses[0], e.targetRef.name])).toEqual([
      ['fd00:10:244::11', 'web-0'],
      ['fd00:10:244:1::10', 'web-1'],
      ['fd00:10:244:1::11', 'web-2'],
    ]);
  });

  it('cluster-wide CIDRs are dual: ServiceCIDR, kube-proxy clusterCIDR, kubeadm networking', () => {
    expect(find('servicecidrs', 'kubernetes')?.spec.cidrs).toEqual(['10.96.0.0/16', 'fd00:10:96::/112']);
    const kp = find('configmaps', 'kube-proxy')?.data['config.conf'] as string;
    expect(kp).toContain('clusterCIDR: 10.244.0.0/16,fd00:10:244::/56');
  });
});
