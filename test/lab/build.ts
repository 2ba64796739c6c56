/**
 * Builds a lab cluster from a spec: an underlay namespace with bridge `br0`, one namespace per node
 * (eth0 on the underlay, pod networking in the chosen topology, sysctls, flannel masquerade and
 * kube-proxy rules), one namespace per pod (eth0, address, default route) and a small server per
 * pod port. Everything lives in namespaces named with the lab's prefix; the host namespace only
 * sees `ip netns add/del`.
 */
import { fileURLToPath } from 'node:url';
import { inNs, run, startBackground, type Background, sleep } from './exec.js';
import { deleteNetnsSync, newPrefix, sweepLeftovers } from './netns.js';
import { loadKubeProxy } from './proxy.js';
import { loadIpvsMode } from './ipvs-load.js';
import { IPV6_NO_DAD } from './ipv6.js';
import { loadFlannelMasquerade6, loadKubeProxy6 } from './ipv6-load.js';
import { buildFabricNode, buildFabricRouter, loadAwsNodeRules } from './fabric.js';
import {
  UNDERLAY_GATEWAY,
  UNDERLAY_LEN,
  UNDERLAY6_GATEWAY,
  UNDERLAY6_LEN,
  VXLAN_ID,
  VXLAN_PORT,
  CALICO_GATEWAY,
  clusterCIDR,
  planAddresses,
  type AddressPlan,
  type LabSpec,
  type NodePlan,
  type PodPlan,
  type PodPortSpec,
} from './spec.js';

/** A built lab: its plan, namespace names, owned processes, and teardown. */
export interface Lab {
  spec: LabSpec;
  plan: AddressPlan;
  prefix: string;
  underlayNs: string;
  nodeNs(node: string): string;
  podNs(pod: PodPlan | string): string;
  /** Runs argv inside a node namespace. */
  inNode(node: string, argv: string[], check?: boolean): ReturnType<typeof run>;
  /** Stops one pod's servers (e.g. to emulate a deleted endpoint). */
  stopServers(pod: string): Promise<void>;
  teardown(): Promise<void>;
}

const active = new Set<Lab>();
let handlersInstalled = false;

/** Signals end the process, so teardown must be synchronous there. */
function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const lab of active) teardownSync(lab);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

const namespacesOf = (lab: Lab): string[] => [
  ...lab.plan.pods.map((p) => lab.podNs(p)),
  ...lab.plan.nodes.map((n) => lab.nodeNs(n.name)),
  lab.underlayNs,
];

function teardownSync(lab: Lab): void {
  for (const b of serversOf.get(lab) ?? []) {
    try {
      if (b.child.pid !== undefined) process.kill(-b.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const ns of namespacesOf(lab)) deleteNetnsSync(ns);
  active.delete(lab);
}

const serversOf = new WeakMap<Lab, Background[]>();

/** Runs `ip -batch` inside a namespace (one process for many link/addr/route commands). */
async function ipBatch(ns: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await run(['ip', '-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
}

async function sysctls(ns: string, kv: Record<string, string | number>): Promise<void> {
  await run(inNs(ns, ['sysctl', '-q', '-w', ...Object.entries(kv).map(([k, v]) => `${k}=${v}`)]));
}

/** Builds the lab; on any failure everything created so far is removed before the error propagates. */
export async function buildLab(spec: LabSpec): Promise<Lab> {
  installSignalHandlers();
  await sweepLeftovers();
  const plan = planAddresses(spec);
  const prefix = newPrefix();
  const servers: Background[] = [];
  const lab: Lab = {
    spec,
    plan,
    prefix,
    underlayNs: `${prefix}underlay`,
    nodeNs: (node) => `${prefix}${node}`,
    podNs: (pod) => {
      const p = typeof pod === 'string' ? plan.pods.find((x) => x.name === pod) : pod;
      if (!p) throw new Error(`lab: no pod ${String(pod)}`);
      return `${prefix}${p.nodeName}-${p.namespace}-${p.name}`;
    },
    inNode: (node, argv, check = true) => run(inNs(`${prefix}${node}`, argv), { check }),
    async stopServers(pod) {
      const ns = lab.podNs(pod);
      await Promise.all(servers.filter((s) => s.argv.includes(ns)).map((s) => s.stop()));
    },
    async teardown() {
      await Promise.all(servers.map((s) => s.stop()));
      teardownSync(lab);
    },
  };
  serversOf.set(lab, servers);
  active.add(lab);
  try {
    for (const ns of namespacesOf(lab)) await run(['ip', 'netns', 'add', ns]);
    await buildUnderlay(lab);
    for (const node of plan.nodes) await buildNode(lab, node);
    await buildCrossNodeRouting(lab);
    await reloadRules(lab);
    const listeners = [
      { ns: lab.underlayNs, name: EXTERNAL_NAME, ports: EXTERNAL_PORTS },
      ...plan.pods.map((p) => ({ ns: lab.podNs(p), name: p.name, ports: p.ports, ...(p.ip6 ? { ipv6: true } : {}) })),
    ];
    for (const l of listeners) servers.push(...startServers(l));
    await waitForServers(listeners, servers);
    return lab;
  } catch (e) {
    await lab.teardown();
    throw e;
  }
}

async function buildUnderlay(lab: Lab): Promise<void> {
  if (lab.spec.topology === 'fabric') return buildFabricRouter(lab);
  const u = lab.underlayNs;
  if (lab.spec.ipv6) await sysctls(u, IPV6_NO_DAD);
  await ipBatch(u, [
    'link set lo up',
    'link add br0 type bridge',
    'link set br0 up',
    `addr add ${UNDERLAY_GATEWAY}/${UNDERLAY_LEN} dev br0`,
    ...(lab.spec.ipv6 ? [`addr add ${UNDERLAY6_GATEWAY}/${UNDERLAY6_LEN} dev br0 nodad`] : []),
  ]);
  for (const n of lab.plan.nodes) {
    // Created inside the node namespace with its peer moved straight into the underlay.
    await ipBatch(lab.nodeNs(n.name), [`link add eth0 type veth peer name un${n.index} netns ${u}`]);
    await ipBatch(u, [`link set un${n.index} master br0 up`]);
    // Calico peers with the network by BGP: the underlay router knows each node's pod block.
    if (lab.spec.topology === 'routed') await ipBatch(u, [`route add ${n.podCIDR} via ${n.ip} dev br0 proto bird`]);
  }
}

async function buildNode(lab: Lab, node: NodePlan): Promise<void> {
  const ns = lab.nodeNs(node.name);
  const routed = lab.spec.topology === 'routed';
  const mtu = lab.spec.topology === 'vxlan' ? 1450 : 1500;
  // Debian/systemd-like defaults: loose rp_filter for new interfaces, forwarding on.
  await sysctls(ns, {
    'net.ipv4.ip_forward': 1,
    'net.ipv4.conf.all.rp_filter': 0,
    'net.ipv4.conf.default.rp_filter': 2,
    'net.bridge.bridge-nf-call-iptables': 1,
    'net.bridge.bridge-nf-call-ip6tables': 1,
    'net.ipv4.conf.all.route_localnet': lab.spec.proxyMode === 'iptables' ? 1 : 0,
    // Lab choice: no per-destination ICMP error rate limit (default burst ~6, then 1/s), so a burst
    // of probes to a REJECTing service is refused on every attempt instead of partly timing out.
    'net.ipv4.icmp_ratelimit': 0,
  });
  // Dual-stack: IPv6 forwarding on the node (nodes only), no DAD (addresses usable at once), no ICMPv6 rate limit.
  if (lab.spec.ipv6) await sysctls(ns, { ...IPV6_NO_DAD, 'net.ipv6.conf.eth0.accept_dad': 0, 'net.ipv6.conf.all.forwarding': 1, 'net.ipv6.icmp.ratelimit': 0 });
  if (lab.spec.topology === 'fabric') return buildFabricNode(lab, node);
  const lines = [
    'link set lo up',
    'link set eth0 up',
    `addr add ${node.ip}/${UNDERLAY_LEN} dev eth0`,
    `route add default via ${UNDERLAY_GATEWAY} dev eth0`,
  ];
  if (routed) {
    // Calico keeps a blackhole for its own block; the /32 pod routes are more specific.
    lines.push(`route add blackhole ${node.podCIDR} proto bird`);
  } else {
    lines.push(
      'link add cni0 type bridge',
      `link set cni0 mtu ${mtu} up`,
      `addr add ${node.podGateway}/24 dev cni0`,
    );
  }
  if (node.ip6 && node.podGateway6) {
    lines.push(
      `addr add ${node.ip6}/${UNDERLAY6_LEN} dev eth0 nodad`,
      `route add default via ${UNDERLAY6_GATEWAY} dev eth0`,
      `addr add ${node.podGateway6}/64 dev cni0 nodad`,
    );
  }
  for (const pod of node.pods) {
    lines.push(`link add ${pod.hostIf} type veth peer name eth0 netns ${lab.podNs(pod)}`);
    if (routed) {
      lines.push(
        `link set ${pod.hostIf} address ee:ee:ee:ee:ee:ee`,
        `link set ${pod.hostIf} up`,
        `route add ${pod.ip}/32 dev ${pod.hostIf} scope link`,
      );
    } else {
      lines.push(`link set ${pod.hostIf} master cni0 mtu ${mtu} up`, `link set ${pod.hostIf} type bridge_slave hairpin on`);
    }
  }
  await ipBatch(ns, lines);
  if (routed && node.pods.length > 0) {
    await sysctls(
      ns,
      Object.fromEntries(node.pods.flatMap((p) => [[`net.ipv4.conf.${p.hostIf}.proxy_arp`, 1], [`net.ipv4.neigh.${p.hostIf}.proxy_delay`, 0]])),
    );
  }
  for (const pod of node.pods) {
    const podLines = ['link set lo up', `link set eth0 mtu ${mtu} up`];
    if (routed) {
      podLines.push(
        `addr add ${pod.ip}/32 dev eth0`,
        `route add default via ${CALICO_GATEWAY} dev eth0 onlink`,
      );
    } else {
      podLines.push(`addr add ${pod.ip}/24 dev eth0`, `route add default via ${node.podGateway} dev eth0`);
    }
    if (pod.ip6 && node.podGateway6) {
      await sysctls(lab.podNs(pod), { ...IPV6_NO_DAD, 'net.ipv6.conf.eth0.accept_dad': 0, 'net.ipv6.icmp.ratelimit': 0 });
      podLines.push(`addr add ${pod.ip6}/64 dev eth0 nodad`, `route add default via ${node.podGateway6} dev eth0`);
    }
    await ipBatch(lab.podNs(pod), podLines);
    // Same lab choice in the pod: a UDP probe to a closed port is refused (port unreachable) every time.
    await sysctls(lab.podNs(pod), { 'net.ipv4.icmp_ratelimit': 0 });
  }
}

async function buildCrossNodeRouting(lab: Lab): Promise<void> {
  // The fabric's router carries everything between nodes.
  if (lab.spec.topology === 'fabric') return;
  const { nodes } = lab.plan;
  for (const n of nodes) {
    const ns = lab.nodeNs(n.name);
    const others = nodes.filter((o) => o !== n);
    const lines: string[] = [];
    if (lab.spec.topology === 'vxlan') {
      lines.push(
        `link add flannel.1 address ${n.vtepMAC} type vxlan id ${VXLAN_ID} local ${n.ip} dev eth0 dstport ${VXLAN_PORT} nolearning`,
        'link set flannel.1 mtu 1450 up',
        `addr add ${n.vtepIP}/32 dev flannel.1`,
      );
      for (const o of others) {
        lines.push(
          `route add ${o.podCIDR} via ${o.vtepIP} dev flannel.1 onlink`,
          `neigh add ${o.vtepIP} lladdr ${o.vtepMAC} dev flannel.1 nud permanent`,
        );
      }
    } else {
      const proto = lab.spec.topology === 'routed' ? ' proto bird' : '';
      for (const o of others) lines.push(`route add ${o.podCIDR} via ${o.ip} dev eth0${proto}`);
      for (const o of others) if (o.podCIDR6 && o.ip6) lines.push(`route add ${o.podCIDR6} via ${o.ip6} dev eth0`);
    }
    await ipBatch(ns, lines);
    if (lab.spec.topology === 'vxlan') {
      for (const o of others) {
        await run(inNs(ns, ['bridge', 'fdb', 'append', o.vtepMAC, 'dev', 'flannel.1', 'dst', o.ip, 'self', 'permanent']));
      }
    }
  }
}

/** flanneld's FLANNEL-POSTRTG / FLANNEL-FWD rules (iptables-nft), for the flannel topologies. */
export function flannelRules(clusterCidr: string, podCIDR: string): string {
  const c = '-m comment --comment "flanneld masq"';
  const f = '-m comment --comment "flanneld forward"';
  return [
    '*nat',
    ':FLANNEL-POSTRTG - [0:0]',
    `-A POSTROUTING ${c} -j FLANNEL-POSTRTG`,
    `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${podCIDR} -d ${clusterCidr} ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${clusterCidr} -d ${podCIDR} ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG ! -s ${clusterCidr} -d ${podCIDR} ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${clusterCidr} ! -d 224.0.0.0/4 ${c} -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s ${clusterCidr} -d ${clusterCidr} ${c} -j MASQUERADE --random-fully`,
    'COMMIT',
    '*filter',
    ':FLANNEL-FWD - [0:0]',
    `-A FORWARD ${f} -j FLANNEL-FWD`,
    `-A FLANNEL-FWD -s ${clusterCidr} ${f} -j ACCEPT`,
    `-A FLANNEL-FWD -d ${clusterCidr} ${f} -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * (Re)loads the node rules: kube-proxy's (iptables mode restores whole tables) and then flanneld's,
 * appended as on a real node. `deletedPods` are left out of the endpoints (their pods were deleted).
 */
export async function reloadRules(lab: Lab, deletedPods?: ReadonlySet<string>): Promise<void> {
  if (lab.spec.proxyMode === 'ipvs') await loadIpvsMode(lab, deletedPods);
  else await loadKubeProxy(lab, deletedPods);
  if (lab.spec.ipv6) await loadKubeProxy6(lab, deletedPods);
  // nftables mode leaves the iptables tables alone, so kubelet's and flannel's rules are loaded once.
  if (lab.spec.proxyMode !== 'nftables' || !flannelLoaded.has(lab)) {
    await loadKubeletChains(lab);
    await loadFlannelMasquerade(lab);
    if (lab.spec.topology === 'fabric') await loadAwsNodeRules(lab);
    if (lab.spec.ipv6) await loadFlannelMasquerade6(lab);
  }
  flannelLoaded.add(lab);
}

/**
 * The chains kubelet creates on every node (pkg/kubelet/kubelet_network_linux.go): KUBE-IPTABLES-HINT
 * tells iptables-wrapper which backend is in use; KUBE-KUBELET-CANARY detects table flushes.
 */
const KUBELET_CHAINS = [
  '*mangle',
  ':KUBE-IPTABLES-HINT - [0:0]',
  ':KUBE-KUBELET-CANARY - [0:0]',
  'COMMIT',
  '*nat',
  ':KUBE-KUBELET-CANARY - [0:0]',
  'COMMIT',
  '*filter',
  ':KUBE-KUBELET-CANARY - [0:0]',
  'COMMIT',
  '',
].join('\n');

async function loadKubeletChains(lab: Lab): Promise<void> {
  for (const n of lab.plan.nodes) {
    for (const tool of ['iptables-restore', 'ip6tables-restore']) {
      await run(inNs(lab.nodeNs(n.name), [tool, '--noflush']), { input: KUBELET_CHAINS });
    }
  }
}

const flannelLoaded = new WeakSet<Lab>();

async function loadFlannelMasquerade(lab: Lab): Promise<void> {
  if (lab.spec.topology === 'routed' || lab.spec.topology === 'fabric' || lab.spec.podMasquerade === false) return;
  for (const n of lab.plan.nodes) {
    await run(inNs(lab.nodeNs(n.name), ['iptables-restore', '--noflush']), {
      input: flannelRules(clusterCIDR(lab.spec), n.podCIDR),
    });
  }
}

/** Pinned node binary and the agents it runs inside pod namespaces. */
export const NODE_BIN = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
export const agentPath = (name: string): string => fileURLToPath(new URL(`./agent/${name}`, import.meta.url));

/** The off-cluster server in the underlay namespace (172.31.250.1): pod → outside traffic (masquerade). */
const EXTERNAL_NAME = 'external';
const EXTERNAL_PORTS: PodPortSpec[] = [
  { protocol: 'TCP', port: 8080 },
  { protocol: 'UDP', port: 5353 },
];

interface Listener {
  ns: string;
  name: string;
  ports: PodPortSpec[];
  /** Also answer on IPv6 (dual-stack pods). */
  ipv6?: boolean;
}

/** One server process per namespace with ports, answering every connection/datagram with its name. */
function startServers(l: Listener): Background[] {
  if (l.ports.length === 0) return [];
  const args = JSON.stringify({ name: l.name, ports: l.ports.map((p) => ({ protocol: p.protocol, port: p.port })), ...(l.ipv6 ? { ipv6: true } : {}) });
  return [startBackground(inNs(l.ns, [NODE_BIN, agentPath('server.ts'), args]))];
}

/** Waits until every port is bound (`ss` inside each namespace); a server that exits fails the build at once. */
async function waitForServers(listeners: Listener[], servers: Background[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (const l of listeners) {
    for (const p of l.ports) {
      const flag = p.protocol === 'TCP' ? '-Hltn' : '-Hlun';
      for (;;) {
        const dead = servers.find((s) => s.child.exitCode !== null);
        if (dead) throw new Error(`lab: server ${dead.argv.join(' ')} exited ${dead.child.exitCode}: ${dead.output().trim().split('\n').slice(-3).join(' ')}`);
        const r = await run(inNs(l.ns, ['ss', flag, `sport = :${p.port}`]), { check: false });
        if (r.stdout.trim().length > 0) break;
        if (Date.now() > deadline) throw new Error(`lab: server ${l.name}:${p.port}/${p.protocol} did not start`);
        await sleep(50);
      }
    }
  }
}
