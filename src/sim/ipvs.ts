/**
 * IPVS, as kube-proxy's ipvs mode uses it, from the node's `ipvsadm -Sn` / `-Ln` dump. The kernel registers
 * (net/netfilter/ipvs/ip_vs_core.c, ip_vs_ops4) ip_vs_remote_request4 at LOCAL_IN priority NF_IP_PRI_NAT_SRC - 1 (99):
 * after the filter INPUT chains, before nat INPUT; and ip_vs_local_request4 at LOCAL_OUT NF_IP_PRI_NAT_DST + 2 (-98):
 * after nat OUTPUT. A packet for a virtual server is given to one real server; in masquerading (NAT) mode its
 * destination is rewritten and it is sent on (ip_vs_nat_xmit). A virtual server with no real server to schedule
 * answers ICMP port unreachable (ip_vs_leave). This file decides which virtual server and which real servers, with
 * their odds; walk.ts moves the packet.
 */
import type { IpvsRealServer, IpvsService } from '../model/ipvs.js';
import type { NodeModel } from '../model/node.js';
import type { Step } from './trace.js';
import { sameAddr } from '../util/addr.js';
import { viewOf, type Packet } from './packet.js';

export const IPVS_LOCAL_IN_PRIORITY = 99;
export const IPVS_LOCAL_OUT_PRIORITY = -98;

export const hasIpvs = (node: NodeModel): boolean => node.ipvs.length > 0;

/** The virtual server the packet is for: address, protocol and port (ip_vs_service_find), else a firewall-mark service. */
export function virtualServer(node: NodeModel, pkt: Packet): IpvsService | undefined {
  const byAddr = node.ipvs.find((s) => s.protocol === pkt.proto && s.address !== undefined && sameAddr(s.address, pkt.daddr) && s.port === pkt.dport);
  if (byAddr) return byAddr;
  return pkt.mark !== 0 ? node.ipvs.find((s) => s.protocol === 'fwmark' && s.fwmark === pkt.mark) : undefined;
}

interface IpvsChoice {
  real: IpvsRealServer;
  probability: number;
}

export interface Schedule {
  choices: IpvsChoice[];
  /** How the scheduler decides, for the branch notes. */
  note: string;
}

/** ip_vs_dest_conn_overhead: active connections weigh 256 times an inactive one. */
const overhead = (r: IpvsRealServer): number => (r.activeConns ?? 0) * 256 + (r.inactiveConns ?? 0);

/**
 * Which real servers a new connection can go to, with their odds. Round robin and weighted schedulers are shown as
 * their long-run shares (which one takes this connection depends on the rotation); least-connection schedulers are
 * decided from the dump's connection counters when it has them (`ipvsadm -Ln`); hash-based ones pick one server per
 * address, which netx does not compute: every candidate is shown, weighted.
 */
export function schedule(svc: IpvsService): Schedule {
  const usable = svc.reals.filter((r) => r.weight > 0);
  const quiesced = svc.reals.length - usable.length;
  const tail = quiesced > 0 ? `; ${quiesced} real server(s) with weight 0 take no new connections` : '';
  if (usable.length === 0) return { choices: [], note: `no real server with a weight above 0${tail}` };
  const equal = (why: string): Schedule => ({ choices: usable.map((real) => ({ real, probability: 1 / usable.length })), note: why + tail });
  const weighted = (why: string): Schedule => {
    const total = usable.reduce((s, r) => s + r.weight, 0);
    return { choices: usable.map((real) => ({ real, probability: real.weight / total })), note: why + tail };
  };
  const one = (real: IpvsRealServer, why: string): Schedule => ({ choices: [{ real, probability: 1 }], note: why + tail });
  const counted = usable.every((r) => r.activeConns !== undefined && r.inactiveConns !== undefined);
  switch (svc.scheduler) {
    case 'rr':
      return equal('rr: real servers take new connections in turn, each 1 of every ' + usable.length);
    case 'wrr':
      return weighted('wrr: new connections in turn, in proportion to the weights');
    case 'lc':
    case 'wlc':
    case 'sed':
    case 'nq':
      if (!counted) return weighted(`${svc.scheduler}: the least loaded real server by connection counts, which this dump does not have (collect \`ipvsadm -Ln\`): shown by weight`);
      return one(leastLoaded(svc.scheduler, usable), `${svc.scheduler}: the least loaded real server by the dump's connection counts`);
    case 'fo':
      return one(usable.reduce((a, b) => (b.weight > a.weight ? b : a)), 'fo: the available real server with the highest weight');
    case 'sh':
    case 'mh':
    case 'dh':
    case 'lblc':
    case 'lblcr':
      return weighted(`${svc.scheduler}: one real server per ${svc.scheduler === 'sh' || svc.scheduler === 'mh' ? 'source' : 'destination'} address by hash or locality, which netx does not compute: each candidate shown by weight`);
    default:
      return weighted(`scheduler ${svc.scheduler} is not modelled: each real server shown by weight`);
  }
}

/** ip_vs_{lc,wlc,sed,nq}_schedule: the first real server with the smallest (weighted) load wins ties. */
function leastLoaded(scheduler: string, reals: IpvsRealServer[]): IpvsRealServer {
  if (scheduler === 'nq') {
    const idle = reals.find((r) => (r.activeConns ?? 0) === 0);
    if (idle) return idle;
  }
  const load = scheduler === 'lc' ? overhead : scheduler === 'wlc' ? overhead : (r: IpvsRealServer): number => (r.activeConns ?? 0) + 1;
  const weight = scheduler === 'lc' ? (): number => 1 : (r: IpvsRealServer): number => r.weight;
  let least = reals[0]!;
  for (const r of reals.slice(1)) if (load(least) * weight(r) > load(r) * weight(least)) least = r;
  return least;
}

/** `TCP 10.96.0.10:53 rr persistent 10800`, as ipvsadm prints a virtual server. */
export function describeVirtual(svc: IpvsService): string {
  const where = svc.protocol === 'fwmark' ? `FWM ${svc.fwmark}` : `${svc.protocol.toUpperCase()} ${hostPort(svc.address ?? '?', svc.port)}`;
  return `${where} ${svc.scheduler}${svc.persistent !== undefined ? ` persistent ${svc.persistent}` : ''}`;
}

export const describeReal = (r: IpvsRealServer): string => `-> ${hostPort(r.address, r.port)} ${forwardName(r.forward)} ${r.weight}`;

const hostPort = (addr: string, port: number | undefined): string => `${addr.includes(':') ? `[${addr}]` : addr}${port !== undefined ? `:${port}` : ''}`;

function forwardName(f: IpvsRealServer['forward']): string {
  switch (f) {
    case 'masq':
      return 'Masq';
    case 'route':
      return 'Route';
    case 'tunnel':
      return 'Tunnel';
    case 'local':
      return 'Local';
    default:
      return f;
  }
}

/** The packet after IPVS gave it to `real` in masquerading mode: destination rewritten, recorded as the flow's DNAT. */
export function toReal(pkt: Packet, real: IpvsRealServer): Packet {
  const dport = real.port ?? pkt.dport;
  const t = { saddr: pkt.saddr, daddr: real.address, sport: pkt.sport, dport };
  return { ...pkt, daddr: real.address, dport, nat: { ...pkt.nat, dnat: t } };
}

/** The step that shows the scheduling and the rewrite. */
export function ipvsStep(svc: IpvsService, real: IpvsRealServer, before: Packet, after: Packet, hook: 'input' | 'output'): Step {
  return {
    kind: 'nat',
    summary: `IPVS ${describeVirtual(svc)} → ${hostPort(real.address, after.dport)} (${forwardName(real.forward)}, weight ${real.weight})`,
    table: 'ipvs',
    chain: describeVirtual(svc),
    hook,
    priority: hook === 'input' ? IPVS_LOCAL_IN_PRIORITY : IPVS_LOCAL_OUT_PRIORITY,
    rule: describeReal(real),
    verdict: 'dnat',
    action: 'dnat',
    packetBefore: viewOf(before),
    packetAfter: viewOf(after),
    detail: { scheduler: svc.scheduler, forward: real.forward, weight: real.weight },
  };
}

/** The step of a virtual server that has nobody to send to. */
export function noRealServerStep(svc: IpvsService, pkt: Packet, hook: 'input' | 'output', why: string): Step {
  return {
    kind: 'drop',
    summary: `IPVS ${describeVirtual(svc)}: ${why} — answered with ICMP port unreachable (ip_vs_leave)`,
    table: 'ipvs',
    chain: describeVirtual(svc),
    hook,
    priority: hook === 'input' ? IPVS_LOCAL_IN_PRIORITY : IPVS_LOCAL_OUT_PRIORITY,
    rule: 'no real server',
    verdict: 'reject icmp port-unreachable',
    action: 'reject',
    packetBefore: viewOf(pkt),
  };
}
