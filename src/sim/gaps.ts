/**
 * Where a walk meets state its node's dumps do not show (model/gaps.ts): the branch ends uncertain there, naming the
 * node, the dump and the reason, with the cause as data. Netfilter gaps need nothing here: their unread rules end the
 * branch inside the chain that lost them.
 */
import { describeGap, gapFor, type GapState, type StateGap } from '../model/gaps.js';
import type { NodeModel } from '../model/node.js';
import { sameAddr } from '../util/addr.js';
import type { Branch } from './trace.js';
import type { Packet } from './packet.js';
import { end, type Flow } from './flow.js';
import { findEntry } from './ct.js';

/** The gap hiding `state` of the packet's family on `node`, if any (moot gaps never count). */
export const gapOn = (node: NodeModel, state: GapState, family?: 4 | 6): StateGap | undefined => gapFor(node.gaps, state, family);

/** Ends the branch where `what` (forwarding, the route to X, …) depends on state the dumps do not show. */
export function unreadEnd(flow: Flow, node: NodeModel, gap: StateGap, what: string, pkt: Packet): Branch {
  const b = end(flow, 'uncertain', `${what} on ${node.name} is unknown: ${describeGap(gap)}`, pkt);
  b.cause = { code: 'state-unread', node: node.name, dump: gap.dump, state: gap.state };
  return b;
}

/**
 * A named flow (a source port given) takes its path from its conntrack entry when there is one: a conntrack dump that
 * was not read, or a skipped line that mentions both of the flow's addresses, may have held it.
 */
export function conntrackUnread(flow: Flow, node: NodeModel, pkt: Packet): Branch | undefined {
  if (pkt.sport === undefined || findEntry(node, pkt)) return undefined;
  const gap = node.gaps?.find(
    (g) =>
      g.state === 'conntrack' &&
      g.moot === undefined &&
      (g.family === undefined || g.family === pkt.family) &&
      (g.lines === undefined || g.lines.some((l) => mentions(l.text, pkt.saddr) && mentions(l.text, pkt.daddr))),
  );
  return gap ? unreadEnd(flow, node, gap, 'the conntrack entry of this flow', pkt) : undefined;
}

/** IPVS takes locally delivered and locally sent packets for its virtual servers: unread, it may take this one. */
export function ipvsUnread(flow: Flow, node: NodeModel, pkt: Packet): Branch | undefined {
  const gap = pkt.inner ? undefined : gapOn(node, 'ipvs');
  return gap ? unreadEnd(flow, node, gap, `whether IPVS takes ${pkt.daddr}${pkt.dport !== undefined ? `:${pkt.dport}` : ''}`, pkt) : undefined;
}

const mentions = (line: string, addr: string): boolean => line.split(/[\s=]+/).some((w) => w === addr || (w.includes(':') && addr.includes(':') && sameAddrSafe(w, addr)));

function sameAddrSafe(a: string, b: string): boolean {
  try {
    return sameAddr(a, b);
  } catch {
    return false;
  }
}
