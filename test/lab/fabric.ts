/**
 * The `fabric` topology, shaped like an EKS node with the AWS VPC CNI (../shared/corpus iproute/real-eks-* and
 * iptables/real-eks-*): the underlay namespace is the VPC router (no node), one point-to-point subnet per node
 * interface; every node has eth0 (primary, main table) and eth1 (secondary, its own table 2 holding only its gateway
 * and a default route, its address without a prefix route); pods have a /32 address of their interface's subnet, a
 * default route via 169.254.1.1 with a permanent neighbour entry (no bridge, no proxy ARP), and on the node a /32
 * route to an `eni…` veth plus `ip rule` 512 `to POD lookup main`; pods on eth1 also 1536 `from POD lookup 2`;
 * 1024 `fwmark 0x80/0x80 lookup main`. aws-node's rules: nat PREROUTING marks the connection 0x80 for off-VPC
 * destinations (AWS-CONNMARK-CHAIN-0) and restores the mark onto the packet, nat POSTROUTING SNATs off-VPC traffic
 * to the primary address (AWS-SNAT-CHAIN-0). The router knows every pod address (/32 via its node's interface), as
 * the VPC knows the ENIs' secondary addresses, and holds an off-network address with the outside server.
 */
import { createHash } from 'node:crypto';
import { inNs, run } from './exec.js';
import type { Lab } from './build.js';
import { CALICO_GATEWAY, FABRIC_CONNMARK, FABRIC_OFF_NETWORK, FABRIC_VPC_CIDR, type NodePlan } from './spec.js';

/** `ip -batch` in a namespace. */
async function batch(ns: string, lines: string[]): Promise<void> {
  if (lines.length > 0) await run(['ip', '-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

const fabricOf = (n: NodePlan): NonNullable<NodePlan['fabric']> => {
  if (!n.fabric) throw new Error(`lab: node ${n.name} has no fabric plan`);
  return n.fabric;
};

/** The router side of node i's interfaces: un<i> faces eth0, us<i> faces eth1. */
const routerIf = (n: NodePlan, secondary: boolean): string => `${secondary ? 'us' : 'un'}${n.index}`;

/** A locally administered MAC for a host-side veth (the pod's permanent neighbour for its gateway). */
const hostMac = (hostIf: string): string => `02:${createHash('sha1').update(hostIf).digest('hex').slice(0, 10).match(/../g)!.join(':')}`;

/** The VPC router: forwarding, each node interface's gateway, a /32 route per pod address, the off-network address. */
export async function buildFabricRouter(lab: Lab): Promise<void> {
  const r = lab.underlayNs;
  await run(inNs(r, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.icmp_ratelimit=0']));
  await batch(r, ['link set lo up', `addr add ${FABRIC_OFF_NETWORK}/32 dev lo`]);
  for (const n of lab.plan.nodes) {
    const f = fabricOf(n);
    await batch(lab.nodeNs(n.name), [`link add eth0 type veth peer name ${routerIf(n, false)} netns ${r}`, `link add eth1 type veth peer name ${routerIf(n, true)} netns ${r}`]);
    const lines = [
      `addr add ${f.gateway}/24 dev ${routerIf(n, false)}`,
      `link set ${routerIf(n, false)} up`,
      `addr add ${f.secondary.gateway}/24 dev ${routerIf(n, true)}`,
      `link set ${routerIf(n, true)} up`,
    ];
    for (const p of n.pods) lines.push(`route add ${p.ip}/32 via ${p.secondary ? f.secondary.ip : n.ip} dev ${routerIf(n, p.secondary === true)}`);
    await batch(r, lines);
  }
}

/** One node: both interfaces, table 2, the pods' veths and routes, the policy rules. */
export async function buildFabricNode(lab: Lab, node: NodePlan): Promise<void> {
  const f = fabricOf(node);
  const s = f.secondary;
  const lines = [
    'link set lo up',
    'link set eth0 up',
    `addr add ${node.ip}/24 dev eth0`,
    `route add default via ${f.gateway} dev eth0`,
    'link set eth1 up',
    // aws-node leaves a secondary ENI's subnet out of main: only its own table reaches it.
    `addr add ${s.ip}/24 dev eth1 noprefixroute`,
    `route add ${s.gateway} dev eth1 scope link table ${s.table}`,
    `route add default via ${s.gateway} dev eth1 table ${s.table}`,
    `rule add fwmark ${FABRIC_CONNMARK}/${FABRIC_CONNMARK} lookup main pref 1024`,
  ];
  for (const pod of node.pods) {
    lines.push(
      `link add ${pod.hostIf} type veth peer name eth0 netns ${lab.podNs(pod)}`,
      `link set ${pod.hostIf} address ${hostMac(pod.hostIf)}`,
      `link set ${pod.hostIf} up`,
      `route add ${pod.ip}/32 dev ${pod.hostIf} scope link`,
      `rule add to ${pod.ip} lookup main pref 512`,
      ...(pod.secondary ? [`rule add from ${pod.ip} lookup ${s.table} pref 1536`] : []),
    );
  }
  await batch(lab.nodeNs(node.name), lines);
  for (const pod of node.pods) {
    await batch(lab.podNs(pod), [
      'link set lo up',
      'link set eth0 up',
      `addr add ${pod.ip}/32 dev eth0`,
      `route add ${CALICO_GATEWAY} dev eth0 scope link`,
      `route add default via ${CALICO_GATEWAY} dev eth0`,
      `neigh add ${CALICO_GATEWAY} lladdr ${hostMac(pod.hostIf)} dev eth0 nud permanent`,
    ]);
    await run(inNs(lab.podNs(pod), ['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']));
  }
}

/** aws-node's nat rules as an EKS node shows them (iptables/real-eks-aws-vpc-cni-node-iptables-S-nat.txt). */
function awsNodeRules(node: NodePlan): string {
  return [
    '*nat',
    ':AWS-CONNMARK-CHAIN-0 - [0:0]',
    ':AWS-SNAT-CHAIN-0 - [0:0]',
    '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -j AWS-CONNMARK-CHAIN-0',
    `-A PREROUTING -m comment --comment "AWS, CONNMARK" -j CONNMARK --restore-mark --nfmask 0x${FABRIC_CONNMARK.toString(16)} --ctmask 0x${FABRIC_CONNMARK.toString(16)}`,
    '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
    `-A AWS-CONNMARK-CHAIN-0 -d ${FABRIC_VPC_CIDR} -m comment --comment "AWS CONNMARK CHAIN, VPC CIDR" -j RETURN`,
    `-A AWS-CONNMARK-CHAIN-0 -m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark 0x${FABRIC_CONNMARK.toString(16)}/0x${FABRIC_CONNMARK.toString(16)}`,
    `-A AWS-SNAT-CHAIN-0 -d ${FABRIC_VPC_CIDR} -m comment --comment "AWS SNAT CHAIN" -j RETURN`,
    `-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${node.ip} --random-fully`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Appends aws-node's rules after kube-proxy's (iptables-nft), as aws-node does on a running node. */
export async function loadAwsNodeRules(lab: Lab): Promise<void> {
  for (const n of lab.plan.nodes) await run(inNs(lab.nodeNs(n.name), ['iptables-restore', '--noflush']), { input: awsNodeRules(n) });
}
