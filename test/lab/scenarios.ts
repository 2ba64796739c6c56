/**
 * Scenarios: the standard cluster, and the same cluster broken on purpose in one way each. A
 * scenario may change the spec before the build and/or the lab after it, and says which probes
 * show its effect. The expected kernel behaviour is asserted in scenarios.test.ts.
 */
import { NODE_BIN, agentPath, reloadRules, type Lab } from './build.js';
import { inNs, run } from './exec.js';
import type { ProbeCase } from './oracle.js';
import { IPS, NODE_PORT } from './topologies.js';
import { UNDERLAY_GATEWAY, nodeByName, podByName, type LabSpec, type Topology } from './spec.js';
import { serviceTypes } from './service-types.js';
import { dualStack } from './dual-stack.js';
import { fabric } from './fabric-scenario.js';

export interface ScenarioState {
  /** Pods deleted from the API (and their endpoints from kube-proxy's rules). */
  deletedPods: Set<string>;
  /** What the scenario did, for fixture readers. */
  notes: string[];
}

export interface Scenario {
  name: string;
  description: string;
  /** Topologies where the scenario makes sense (default: all). */
  topologies?: Topology[];
  spec?(spec: LabSpec): LabSpec;
  apply?(lab: Lab, state: ScenarioState): Promise<void>;
  cases(lab: Lab, state: ScenarioState): ProbeCase[];
}

const ip = (lab: Lab, pod: string): string => podByName(lab.plan, pod).ip;
const tcp = (to: string, port: number) => ({ ip: to, port, protocol: 'TCP' as const });
const udp = (to: string, port: number) => ({ ip: to, port, protocol: 'UDP' as const });

/** Probes that show web-1 (on node-b) from the client on node-a, directly and through the service. */
const toWeb1 = (lab: Lab): ProbeCase[] => [
  { id: 'client-to-web-1-pod', from: 'client', to: tcp(ip(lab, 'web-1'), 8080), count: 2, timeoutMs: 800 },
  { id: 'client-to-web-svc', from: 'client', to: tcp(IPS.web, 80), count: 12, timeoutMs: 800 },
];

const baseline: Scenario = {
  name: 'baseline',
  description: 'the standard cluster, nothing broken',
  cases: (lab) => [
    { id: 'client-to-web-svc-tcp', from: 'client', to: tcp(IPS.web, 80), count: 30 },
    { id: 'client-to-web-svc-udp', from: 'client', to: udp(IPS.web, 53), count: 30 },
    { id: 'client-to-web-1-pod', from: 'client', to: tcp(ip(lab, 'web-1'), 8080), count: 2 },
    { id: 'client-to-web-0-pod-local', from: 'client', to: tcp(ip(lab, 'web-0'), 8080), count: 2 },
    { id: 'client-to-echo-svc', from: 'client', to: tcp(IPS.echo, 9090), count: 3 },
    { id: 'client-to-sticky-svc', from: 'client', to: tcp(IPS.sticky, 80), count: 10 },
    { id: 'client-to-ghost-svc', from: 'client', to: tcp(IPS.ghost, 80), count: 4, gapMs: 300 },
    { id: 'client-to-external', from: 'client', to: tcp(UNDERLAY_GATEWAY, 8080), count: 2 },
    { id: 'underlay-to-nodeport-node-a', from: 'underlay', to: tcp(nodeByName(lab.plan, 'node-a').ip, NODE_PORT), count: 15 },
    { id: 'underlay-to-nodeport-node-b', from: 'underlay', to: tcp(nodeByName(lab.plan, 'node-b').ip, NODE_PORT), count: 6 },
  ],
};

export const missingRoute: Scenario = {
  name: 'missing-route',
  description: "node-a has no route to node-b's podCIDR (traffic falls to the default route and dies upstream)",
  async apply(lab, state) {
    const b = nodeByName(lab.plan, 'node-b');
    await lab.inNode('node-a', ['ip', 'route', 'del', b.podCIDR]);
    state.notes.push(`node-a: ip route del ${b.podCIDR}`);
  },
  cases: toWeb1,
};

export const forwardDrop: Scenario = {
  name: 'forward-drop',
  description: 'node-b drops forwarded traffic to web-1 in filter FORWARD (a policy as a DROP rule)',
  async apply(lab, state) {
    const rule = ['-I', 'FORWARD', '1', '-d', `${ip(lab, 'web-1')}/32`, '-p', 'tcp', '-m', 'comment', '--comment', 'netx-lab: block web-1', '-j', 'DROP'];
    await lab.inNode('node-b', ['iptables', ...rule]);
    state.notes.push(`node-b: iptables ${rule.join(' ')}`);
  },
  cases: toWeb1,
};

export const noEndpoints: Scenario = {
  name: 'no-endpoints',
  description: 'service ghost selects no pods: kube-proxy rejects',
  cases: () => [
    { id: 'client-to-ghost-svc', from: 'client', to: tcp(IPS.ghost, 80), count: 4, gapMs: 300 },
  ],
};

export const WEB_TYPO_IP = '10.96.0.20';

export const wrongTargetPort: Scenario = {
  name: 'wrong-target-port',
  description: 'service web-typo targets port 8081, the web pods listen on 8080: the endpoints answer RST (sticky and echo left out to keep the fixture small)',
  spec: (spec) => ({
    ...spec,
    services: [
      ...spec.services.filter((s) => s.name !== 'sticky' && s.name !== 'echo'),
      {
        name: 'web-typo',
        type: 'ClusterIP',
        clusterIP: WEB_TYPO_IP,
        selector: { app: 'web' },
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8081 }],
      },
    ],
  }),
  cases: () => [{ id: 'client-to-web-typo-svc', from: 'client', to: tcp(WEB_TYPO_IP, 80), count: 6 }],
};

export const rpFilterStrict: Scenario = {
  name: 'rp-filter-strict',
  description:
    "node-b routes node-a's podCIDR via eth0 (stale host-gw route) while traffic arrives on flannel.1, and flannel.1 has strict rp_filter",
  topologies: ['vxlan'],
  async apply(lab, state) {
    const a = nodeByName(lab.plan, 'node-a');
    await lab.inNode('node-b', ['ip', 'route', 'replace', a.podCIDR, 'via', a.ip, 'dev', 'eth0']);
    await lab.inNode('node-b', ['sysctl', '-q', '-w', 'net.ipv4.conf.flannel/1.rp_filter=1']);
    state.notes.push(`node-b: ip route replace ${a.podCIDR} via ${a.ip} dev eth0`, 'node-b: net.ipv4.conf.flannel/1.rp_filter=1');
  },
  cases: toWeb1,
};

export const ipForwardOff: Scenario = {
  name: 'ip-forward-off',
  description: 'node-b has net.ipv4.ip_forward=0',
  async apply(lab, state) {
    await lab.inNode('node-b', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']);
    state.notes.push('node-b: net.ipv4.ip_forward=0');
  },
  cases: toWeb1,
};

export const STALE_SOURCE_PORT = 40053;

export const staleConntrack: Scenario = {
  name: 'stale-conntrack',
  description:
    'a UDP flow client → web:53 was DNATed to one endpoint; that pod was deleted and kube-proxy removed it, but the conntrack entry stayed',
  async apply(lab, state) {
    const c = podByName(lab.plan, 'client');
    const args = JSON.stringify({ protocol: 'UDP', host: IPS.web, port: 53, count: 1, timeoutMs: 1000, gapMs: 0, sourcePort: STALE_SOURCE_PORT });
    const r = await run(inNs(lab.podNs(c), [NODE_BIN, agentPath('probe-client.ts'), args]));
    const answer = JSON.parse(r.stdout.trim().split('\n')[0] ?? '{}') as { kind?: string; body?: string };
    if (answer.kind !== 'answered' || !answer.body) throw new Error(`stale-conntrack: the first flow was not answered: ${r.stdout}`);
    const victim = podByName(lab.plan, answer.body);
    await lab.stopServers(victim.name);
    // What CNI DEL does: the pod's host-side interface goes away (and with it its /32 route, if routed).
    await lab.inNode(victim.nodeName, ['ip', 'link', 'del', victim.hostIf]);
    state.deletedPods.add(victim.name);
    await reloadRules(lab, state.deletedPods);
    state.notes.push(
      `client:${STALE_SOURCE_PORT} → ${IPS.web}:53/UDP was answered by ${victim.name}`,
      `${victim.name} deleted (server stopped, ${victim.hostIf} removed), kube-proxy rules re-rendered without it, conntrack not flushed`,
    );
  },
  cases: () => [
    {
      id: 'client-to-web-svc-udp-stale-flow',
      from: 'client',
      to: udp(IPS.web, 53),
      count: 3,
      sourcePort: STALE_SOURCE_PORT,
      keepConntrack: true,
    },
    { id: 'client-to-web-svc-udp-new-flows', from: 'client', to: udp(IPS.web, 53), count: 12, keepConntrack: true, trace: false },
  ],
};

export const SCENARIOS: Scenario[] = [
  baseline,
  missingRoute,
  forwardDrop,
  noEndpoints,
  wrongTargetPort,
  rpFilterStrict,
  ipForwardOff,
  staleConntrack,
  serviceTypes,
  dualStack,
  fabric,
];
