/**
 * kube-proxy ipvs mode in the lab, as far as this machine's kernel goes: it has no IPVS (ipvsadm cannot create
 * virtual servers) and no dummy link driver, but ipset, iptables set matches and local addresses work. Per node,
 * kube-proxy's ipsets (`ipset restore`), its nat and filter rules (`iptables-restore --noflush`, as kube-proxy's
 * restore uses NoFlushTables) and the link kube-ipvs0 holding every service address as /32 (netlink BindAddress)
 * are made by the kernel; only the virtual servers are the renderer's text, put into the snapshot in place of the
 * probe's failed `ipvsadm -Sn`.
 */
import type { Lab } from './build.js';
import { inNs, run } from './exec.js';
import { renderIpvsMode, type IpvsModeState } from './kube-proxy/ipvs.js';
import { kubeProxyInput } from './proxy.js';
import type { Snapshot } from '../../src/snapshot/types.js';

/** The link's name, and its kind here: ifb, because this kernel has no `dummy` driver (both hold addresses, DOWN, NOARP). */
export const IPVS_LINK = 'kube-ipvs0';
const IPVS_LINK_KIND = 'ifb';

/** What the snapshot's description adds for an ipvs-mode lab: which dump is not the kernel's. */
const RENDERED_NOTE =
  `virtual servers rendered: the lab kernel has no IPVS (each node's ipvsadm -Sn is the lab renderer's text; ipsets, iptables rules and ${IPVS_LINK} ` +
  `with the service addresses are the kernel's; ${IPVS_LINK} is an ${IPVS_LINK_KIND} link, the kernel has no dummy driver)`;

/** kube-proxy's ipvs-mode state for one node of the lab. */
export const ipvsState = (lab: Lab, node: string, deletedPods?: ReadonlySet<string>): IpvsModeState => {
  const n = lab.plan.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`lab: no node ${node}`);
  return renderIpvsMode(kubeProxyInput(lab.plan, n, deletedPods));
};

/**
 * Loads kube-proxy's ipvs-mode state into every node: ipsets first (the rules reference them), then the rules, then
 * kube-ipvs0 (left DOWN, as kube-proxy leaves it) with the addresses. A reload flushes nat and filter first (kubelet's
 * and flannel's rules are loaded again after it, see build.ts reloadRules) and replaces the sets' members.
 */
export async function loadIpvsMode(lab: Lab, deletedPods?: ReadonlySet<string>): Promise<void> {
  if (lab.spec.ipv6) throw new Error('lab: kube-proxy ipvs mode is built for IPv4 only');
  for (const node of lab.plan.nodes) {
    const ns = lab.nodeNs(node.name);
    const state = ipvsState(lab, node.name, deletedPods);
    for (const table of ['nat', 'filter']) await run(inNs(ns, ['iptables', '-t', table, '-F']));
    await run(inNs(ns, ['ipset', 'flush']));
    await run(inNs(ns, ['ipset', 'restore', '-exist']), { input: state.ipset });
    await run(inNs(ns, ['iptables-restore', '--noflush']), { input: state.iptables });
    await run(inNs(ns, ['ip', 'link', 'del', IPVS_LINK]), { check: false });
    const lines = [`link add ${IPVS_LINK} type ${IPVS_LINK_KIND}`, ...state.dummyAddresses.map((ip) => `addr add ${ip}/32 dev ${IPVS_LINK}`)];
    await run(['ip', '-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }
}

/**
 * The snapshot with each node's `ipvs` dump replaced by the renderer's `ipvsadm -Sn` text (exit 0), the probe's gap
 * for it removed, and the description saying so.
 */
export function withRenderedVirtualServers(snapshot: Snapshot, lab: Lab, deletedPods?: ReadonlySet<string>): Snapshot {
  const nodes = Object.fromEntries(
    Object.entries(snapshot.nodes).map(([name, capture]) => {
      const ipvs = { argv: ['ipvsadm', '-Sn'], stdout: ipvsState(lab, name, deletedPods).ipvsadm, stderr: '', exitCode: 0, encoding: 'utf8' as const };
      const errors = capture.probe?.errors?.filter((e) => e.what !== 'ipvs');
      const probe = capture.probe ? { ...capture.probe, ...(errors ? { errors } : {}) } : undefined;
      return [name, { ...capture, dumps: { ...capture.dumps, ipvs }, ...(probe ? { probe } : {}) }];
    }),
  );
  return { ...snapshot, source: { ...snapshot.source, description: `${snapshot.source.description ?? ''}; ${RENDERED_NOTE}` }, nodes };
}
