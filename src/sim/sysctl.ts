/** The sysctls that change a packet's path, read the way the kernel combines them. */
import type { NodeModel } from '../model/node.js';

export type Known<T> = { known: true; value: T } | { known: false };

/** sysctl names per interface use `/` for dots in the interface name (`flannel/1`). */
const ifKey = (dev: string): string => dev.replace(/\./g, '/');

function get(node: NodeModel, key: string): string | undefined {
  return node.sysctl[key];
}

/** Whether sysctls were collected at all. */
function haveSysctl(node: NodeModel): boolean {
  return node.have.sysctl === true || Object.keys(node.sysctl).length > 0;
}

/** IN_DEV_FORWARD(in_dev): the incoming device's `forwarding` (ip_forward sets them all). */
export function forwarding(node: NodeModel, family: 4 | 6, iif: string | undefined): Known<boolean> {
  if (!haveSysctl(node)) return { known: false };
  const fam = family === 4 ? 'ipv4' : 'ipv6';
  const perDev = iif ? get(node, `net.${fam}.conf.${ifKey(iif)}.forwarding`) : undefined;
  const global = family === 4 ? get(node, 'net.ipv4.ip_forward') ?? get(node, 'net.ipv4.conf.all.forwarding') : get(node, 'net.ipv6.conf.all.forwarding');
  const v = perDev ?? global;
  return v === undefined ? { known: false } : { known: true, value: v.trim() !== '0' };
}

/** rp_filter: the maximum of conf/all and conf/<dev> (0 off, 1 strict, 2 loose). */
export function rpFilter(node: NodeModel, dev: string): Known<number> {
  if (!haveSysctl(node)) return { known: false };
  const all = get(node, 'net.ipv4.conf.all.rp_filter');
  const per = get(node, `net.ipv4.conf.${ifKey(dev)}.rp_filter`);
  if (all === undefined && per === undefined) return { known: false };
  return { known: true, value: Math.max(Number(all ?? 0), Number(per ?? 0)) };
}

/** br_netfilter: whether the IPv4 hooks see bridged frames. No net.bridge.* keys = module not loaded. */
export function bridgeNfCallIptables(node: NodeModel, bridge: string, family: 4 | 6): Known<boolean> {
  const link = node.links.find((l) => l.name === bridge);
  const perBridge = family === 4 ? link?.bridge?.nfCallIptables : link?.bridge?.nfCallIp6tables;
  if (!haveSysctl(node)) return perBridge ? { known: true, value: true } : { known: false };
  const key = family === 4 ? 'net.bridge.bridge-nf-call-iptables' : 'net.bridge.bridge-nf-call-ip6tables';
  const v = get(node, key);
  if (v === undefined) {
    const loaded = Object.keys(node.sysctl).some((k) => k.startsWith('net.bridge.'));
    return loaded ? { known: false } : { known: true, value: perBridge === true };
  }
  return { known: true, value: v.trim() !== '0' || perBridge === true };
}
