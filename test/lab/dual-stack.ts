/**
 * Scenario `dual-stack` (host-gw, kube-proxy iptables or nftables mode): the standard cluster with
 * IPv6 beside IPv4 (`LabSpec.ipv6`): IPv6 underlay, per-node IPv6 podCIDRs, pods with both families,
 * and the `web` Service RequireDualStack (clusterIPs [10.96.0.10, fd00:10:96::a]) with kube-proxy's
 * IPv6 proxier rules (ip6tables, or `table ip6 kube-proxy`). The other services stay IPv4 SingleStack, as in a dual-stack cluster
 * that did not ask for more. Cases: pod → pod over IPv6 across nodes and on the node, pod → the IPv6
 * ClusterIP (TCP and UDP, netx `--family 6`), and the same service over IPv4.
 */
import type { ProbeCase } from './oracle.js';
import type { Scenario } from './scenarios.js';
import { podByName, type LabSpec } from './spec.js';
import { IPS } from './topologies.js';

export const DS_IPS = { web6: 'fd00:10:96::a' } as const;

const tcp = (ip: string, port: number) => ({ ip, port, protocol: 'TCP' as const });
const udp = (ip: string, port: number) => ({ ip, port, protocol: 'UDP' as const });

export const dualStack: Scenario = {
  name: 'dual-stack',
  description:
    'IPv6 beside IPv4 (host-gw): service web is RequireDualStack (IPv6 ClusterIP fd00:10:96::a, kube-proxy IPv6 rules in ip6tables or table ip6 kube-proxy); the other services stay IPv4',
  topologies: ['host-gw'],
  spec: (spec: LabSpec): LabSpec => ({
    ...spec,
    ipv6: true,
    // sticky/ghost/web-np add nothing IPv6-specific; left out to keep the fixture small.
    services: spec.services
      .filter((s) => s.name !== 'sticky' && s.name !== 'ghost' && s.name !== 'web-np')
      .map((s) => (s.name === 'web' ? { ...s, clusterIP6: DS_IPS.web6 } : s)),
  }),
  cases: (lab): ProbeCase[] => {
    const ip6 = (pod: string): string => {
      const ip = podByName(lab.plan, pod).ip6;
      if (!ip) throw new Error(`dual-stack: pod ${pod} has no IPv6 address`);
      return ip;
    };
    return [
      { id: 'client-to-web-1-pod-ipv6', from: 'client', to: tcp(ip6('web-1'), 8080), count: 2, netx: { src: 'client', dst: `[${ip6('web-1')}]:8080` } },
      { id: 'client-to-web-0-pod-ipv6-local', from: 'client', to: tcp(ip6('web-0'), 8080), count: 2, netx: { src: 'client', dst: 'pod/web-0:8080', family: 6 } },
      { id: 'client-to-web-svc-ipv6-tcp', from: 'client', to: tcp(DS_IPS.web6, 80), count: 30, netx: { src: 'client', dst: 'svc/web:80', family: 6 } },
      { id: 'client-to-web-svc-ipv6-udp', from: 'client', to: udp(DS_IPS.web6, 53), count: 30, netx: { src: 'client', dst: 'svc/web:53', family: 6 } },
      { id: 'client-to-web-svc-ipv4-tcp', from: 'client', to: tcp(IPS.web, 80), count: 30, netx: { src: 'client', dst: 'svc/web:80', family: 4 } },
    ];
  },
};
