/**
 * The `service-types` scenario: the Service types and traffic policies whose meaning is in how
 * kube-proxy treats clients, proven on the kernel. A LoadBalancer with externalTrafficPolicy Cluster
 * (the underlay routes its ingress IP to node-a: masquerade), one with externalTrafficPolicy Local
 * whose only endpoint is on node-b (source kept there; node-a drops), internalTrafficPolicy Local
 * (a client only reaches endpoints on its own node; none there: dropped), and cluster DNS (a CoreDNS
 * pod behind kube-system/kube-dns, the kubelet's clusterDNS) for `trace --dns`. Also a headless
 * Service (no VIP: clients connect to the pod addresses) and topology-aware routing: node-a is in
 * zone-a, node-b in zone-b, and web-zone's EndpointSlice hints web-0 and web-2 for zone-a, web-1 for
 * zone-b, so kube-proxy on each node programs only the endpoints hinted for its zone.
 */
import { inNs, run } from './exec.js';
import type { ProbeCase } from './oracle.js';
import type { Scenario } from './scenarios.js';
import { UNDERLAY_GATEWAY, nodeByName, podByName, type LabSpec, type ServiceSpec } from './spec.js';

/** Free addresses: the service CIDR's .30–.34 and .53, the underlay's .200–.202 (nodes are .10+i). */
export const ST_IPS = {
  webLb: '10.96.0.30',
  echoLocal: '10.96.0.31',
  webItp: '10.96.0.32',
  echoItp: '10.96.0.33',
  kubeDns: '10.96.0.53',
  webZone: '10.96.0.34',
  /** status.loadBalancer.ingress of web-lb; the underlay routes it via node-a. */
  webLbIngress: '172.31.250.200',
  /** status.loadBalancer.ingress of echo-local; the underlay routes the first via node-b (echo-0's node), the second via node-a. */
  echoLocalIngress: '172.31.250.201',
  echoLocalIngressA: '172.31.250.202',
} as const;

const WEB_LB_NODE_PORT = 30081;
const ECHO_LOCAL_NODE_PORT = 30090;
export const ECHO_LOCAL_HEALTH_CHECK_PORT = 32090;

const SERVICES: ServiceSpec[] = [
  {
    name: 'web-lb',
    type: 'LoadBalancer',
    clusterIP: ST_IPS.webLb,
    loadBalancerIPs: [ST_IPS.webLbIngress],
    externalTrafficPolicy: 'Cluster',
    selector: { app: 'web' },
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: WEB_LB_NODE_PORT }],
  },
  {
    name: 'echo-local',
    type: 'LoadBalancer',
    clusterIP: ST_IPS.echoLocal,
    loadBalancerIPs: [ST_IPS.echoLocalIngress, ST_IPS.echoLocalIngressA],
    externalTrafficPolicy: 'Local',
    healthCheckNodePort: ECHO_LOCAL_HEALTH_CHECK_PORT,
    selector: { app: 'echo' },
    ports: [{ name: 'tcp', protocol: 'TCP', port: 9090, targetPort: 9090, nodePort: ECHO_LOCAL_NODE_PORT }],
  },
  {
    name: 'web-itp',
    type: 'ClusterIP',
    clusterIP: ST_IPS.webItp,
    internalTrafficPolicy: 'Local',
    selector: { app: 'web' },
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
  },
  {
    name: 'echo-itp',
    type: 'ClusterIP',
    clusterIP: ST_IPS.echoItp,
    internalTrafficPolicy: 'Local',
    selector: { app: 'echo' },
    ports: [{ name: 'tcp', protocol: 'TCP', port: 9090, targetPort: 9090 }],
  },
  {
    name: 'web-headless',
    type: 'ClusterIP',
    clusterIP: 'None',
    selector: { app: 'web' },
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
  },
  {
    name: 'web-zone',
    type: 'ClusterIP',
    clusterIP: ST_IPS.webZone,
    selector: { app: 'web' },
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
    // web-2 runs on node-b but is hinted for zone-a (the controller balances zones by CPU, not by node).
    zoneHints: { 'web-0': ['zone-a'], 'web-1': ['zone-b'], 'web-2': ['zone-a'] },
  },
  {
    name: 'kube-dns',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    type: 'ClusterIP',
    clusterIP: ST_IPS.kubeDns,
    selector: { 'k8s-app': 'kube-dns' },
    ports: [
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
    ],
  },
];

/** Zones of the nodes (label topology.kubernetes.io/zone), for web-zone's hints. */
const ST_ZONES: Record<string, string> = { 'node-a': 'zone-a', 'node-b': 'zone-b' };

/** The standard cluster plus client-b and coredns on node-b, zones, and the services above (ghost, sticky, web-np left out: smaller dumps). */
function withServiceTypes(spec: LabSpec): LabSpec {
  return {
    ...spec,
    nodes: spec.nodes.map((n) =>
      n.name !== 'node-b'
        ? { ...n, ...(ST_ZONES[n.name] ? { zone: ST_ZONES[n.name] } : {}) }
        : {
            ...n,
            zone: ST_ZONES['node-b']!,
            pods: [
              ...n.pods,
              { name: 'client-b', labels: { app: 'client-b' } },
              {
                name: 'coredns',
                namespace: 'kube-system',
                labels: { 'k8s-app': 'kube-dns' },
                ports: [
                  { name: 'dns', protocol: 'UDP', port: 53 },
                  { name: 'dns-tcp', protocol: 'TCP', port: 53 },
                ],
              },
            ],
          },
    ),
    services: [...spec.services.filter((s) => !['ghost', 'sticky', 'web-np'].includes(s.name)), ...SERVICES],
  };
}

const tcp = (ip: string, port: number) => ({ ip, port, protocol: 'TCP' as const });
const OUTSIDE = `external:${UNDERLAY_GATEWAY}`;

export const serviceTypes: Scenario = {
  name: 'service-types',
  description:
    'LoadBalancer web-lb (externalTrafficPolicy Cluster, ingress routed to node-a), LoadBalancer echo-local (Local, endpoint on node-b only; ingress IPs routed to node-b and node-a), internalTrafficPolicy Local web-itp/echo-itp, CoreDNS behind kube-system/kube-dns, headless web-headless, web-zone with zone hints (node-a zone-a: web-0, web-2; node-b zone-b: web-1)',
  spec: withServiceTypes,
  async apply(lab, state) {
    // The load balancer's part (MetalLB L2 / a cloud LB that hands packets to a node unchanged): a route in the underlay namespace.
    const routes: [string, string][] = [
      [ST_IPS.webLbIngress, nodeByName(lab.plan, 'node-a').ip],
      [ST_IPS.echoLocalIngress, nodeByName(lab.plan, 'node-b').ip],
      [ST_IPS.echoLocalIngressA, nodeByName(lab.plan, 'node-a').ip],
    ];
    for (const [vip, via] of routes) {
      await run(inNs(lab.underlayNs, ['ip', 'route', 'add', `${vip}/32`, 'via', via]));
      state.notes.push(`underlay: ip route add ${vip}/32 via ${via}`);
    }
  },
  cases(lab): ProbeCase[] {
    const a = nodeByName(lab.plan, 'node-a').ip;
    const b = nodeByName(lab.plan, 'node-b').ip;
    // Headless: DNS answers the pod addresses, so the client connects to each one; netx traces svc/web-headless once per endpoint.
    const headless = ['web-0', 'web-1', 'web-2'].map(
      (pod): ProbeCase => ({ id: `client-to-web-headless-${pod}`, from: 'client', to: tcp(podByName(lab.plan, pod).ip, 8080), count: 2, netx: { src: 'client', dst: 'svc/web-headless:80' } }),
    );
    return [
      ...headless,
      // Zone hints: from node-a (zone-a) only web-0 and web-2 answer; from node-b (zone-b) only web-1.
      { id: 'client-to-web-zone', from: 'client', to: tcp(ST_IPS.webZone, 80), count: 20, netx: { src: 'client', dst: 'svc/web-zone' } },
      { id: 'client-b-to-web-zone', from: 'client-b', to: tcp(ST_IPS.webZone, 80), count: 8, netx: { src: 'client-b', dst: 'svc/web-zone' } },
      { id: 'underlay-to-web-lb', from: 'underlay', to: tcp(ST_IPS.webLbIngress, 80), count: 15, netx: { src: OUTSIDE, dst: 'svc/web-lb', fromNode: 'node-a' } },
      { id: 'underlay-to-echo-local-lb', from: 'underlay', to: tcp(ST_IPS.echoLocalIngress, 9090), count: 4, netx: { src: OUTSIDE, dst: 'svc/echo-local', fromNode: 'node-b' } },
      // echo-local's second ingress IP lands on node-a, which has no local endpoint: dropped on the FORWARD path.
      // `svc/echo-local` from outside takes the first ingress IP; the address typed as DST is echo-local at that address (its findings apply).
      { id: 'underlay-to-echo-local-lb-node-a', from: 'underlay', to: tcp(ST_IPS.echoLocalIngressA, 9090), count: 3, timeoutMs: 800, netx: { src: OUTSIDE, dst: `${ST_IPS.echoLocalIngressA}:9090`, fromNode: 'node-a' } },
      { id: 'underlay-to-echo-local-nodeport-node-b', from: 'underlay', to: tcp(b, ECHO_LOCAL_NODE_PORT), count: 4, netx: { src: OUTSIDE, dst: `node/node-b:${ECHO_LOCAL_NODE_PORT}` } },
      { id: 'underlay-to-echo-local-nodeport-node-a', from: 'underlay', to: tcp(a, ECHO_LOCAL_NODE_PORT), count: 3, timeoutMs: 800, netx: { src: OUTSIDE, dst: `node/node-a:${ECHO_LOCAL_NODE_PORT}` } },
      { id: 'client-to-web-itp', from: 'client', to: tcp(ST_IPS.webItp, 80), count: 10, netx: { src: 'client', dst: 'svc/web-itp' } },
      { id: 'client-b-to-web-itp', from: 'client-b', to: tcp(ST_IPS.webItp, 80), count: 20, netx: { src: 'client-b', dst: 'svc/web-itp' } },
      { id: 'client-to-echo-itp', from: 'client', to: tcp(ST_IPS.echoItp, 9090), count: 3, timeoutMs: 800, netx: { src: 'client', dst: 'svc/echo-itp' } },
      // The DNS query `trace client web --dns` walks first: UDP/53 to the pod's nameserver (kubelet clusterDNS).
      { id: 'client-to-kube-dns-udp', from: 'client', to: { ip: ST_IPS.kubeDns, port: 53, protocol: 'UDP' }, count: 6, netx: { src: 'client', dst: 'web', dns: true } },
    ];
  },
};
