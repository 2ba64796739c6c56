/** `-m set --match-set NAME dir[,dir…]` against `ipset save` members. */
import type { IpSet } from '../model/netfilter.js';
import type { Packet } from './packet.js';
import { inPrefix, isIp, sameAddr, addrToBigInt } from '../util/addr.js';

/** True/false, or undefined when the set type or a member is not understood. */
export function ipsetMatches(set: IpSet, dirs: ('src' | 'dst')[], pkt: Packet): boolean | undefined {
  const kinds = set.type.replace(/^(hash|bitmap|list):/, '').split(',');
  if (set.type.startsWith('list:')) return undefined;
  let unsure = false;
  for (const member of set.members) {
    const parts = member.split(/\s+/)[0]!.split(',');
    if (parts.length !== kinds.length) {
      unsure = true;
      continue;
    }
    let all = true;
    for (let i = 0; i < kinds.length; i++) {
      const dir = dirs[i] ?? dirs[dirs.length - 1] ?? 'src';
      const r = component(kinds[i]!, parts[i]!, dir, pkt);
      if (r === undefined) unsure = true;
      if (r !== true) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return unsure ? undefined : false;
}

function component(kind: string, text: string, dir: 'src' | 'dst', pkt: Packet): boolean | undefined {
  const addr = dir === 'src' ? pkt.saddr : pkt.daddr;
  const port = dir === 'src' ? pkt.sport : pkt.dport;
  if (kind === 'ip' || kind === 'net') {
    if (text.includes('-') && !text.includes('/')) {
      const [a, b] = text.split('-');
      if (!a || !b || !isIp(a) || !isIp(b)) return undefined;
      const n = addrToBigInt(addr);
      return n >= addrToBigInt(a) && n <= addrToBigInt(b);
    }
    if (text.includes('/')) return inPrefix(addr, text);
    return isIp(text) ? sameAddr(addr, text) : undefined;
  }
  if (kind === 'port') {
    const m = /^(?:(tcp|udp|sctp|icmp|udplite):)?(\d+)(?:-(\d+))?$/.exec(text);
    if (!m) return undefined;
    if (m[1] && m[1] !== pkt.proto) return false;
    if (port === undefined) return undefined;
    const lo = Number(m[2]);
    const hi = m[3] ? Number(m[3]) : lo;
    return port >= lo && port <= hi;
  }
  if (kind === 'iface') return pkt.iif === text;
  return undefined;
}
