/**
 * A client outside the cluster (`external:IP`): its packet enters a node from the underlay, on the
 * interface that holds the node's address, with the client's address as source. Where it enters is
 * the user's choice (`--from-node`, or the node named in `node/NAME:PORT`); otherwise every probed
 * node is an entry (a load balancer or a client may pick any of them).
 */
import type { NodeModel } from '../../model/node.js';
import type { Start } from '../../sim/walk.js';
import { isIp, sameAddr } from '../../util/addr.js';
import { UserError } from '../../util/errors.js';

/** `external:IP`. Bare `external` takes a TEST-NET-3 address (RFC 5737) and says so. */
export interface ExternalSource {
  kind: 'external';
  name: string;
  ip: string;
  /** Set when the address was not given. */
  assumed?: string;
}

const EXTERNAL_DEFAULT_IP = '203.0.113.10';

export function parseExternalSource(spec: string): ExternalSource | undefined {
  if (spec === 'external') return { kind: 'external', name: 'external', ip: EXTERNAL_DEFAULT_IP, assumed: `no client address given: ${EXTERNAL_DEFAULT_IP} (TEST-NET-3) stands for it` };
  const m = /^external:(?:\[([^\]]+)\]|(.+))$/.exec(spec);
  if (!m) return undefined;
  const ip = m[1] ?? m[2]!;
  if (!isIp(ip)) throw new UserError(`external:${ip} is not an IP address`, { hint: 'write the client address: external:203.0.113.10 or external:[2001:db8::1]' });
  return { kind: 'external', name: `external:${ip}`, ip };
}

/** Where the client's packet comes in on `node`: the interface holding one of the node's addresses. */
export function underlayStart(node: NodeModel, nodeAddrs: string[], client: string): { ok: true; start: Start } | { ok: false; reason: string } {
  const addr = node.addresses.find((a) => nodeAddrs.some((n) => sameAddr(n, a.local)));
  if (!addr) return { ok: false, reason: `none of ${node.name}'s addresses (${nodeAddrs.join(', ') || 'none listed'}) is on an interface in its dumps: cannot tell where outside traffic enters` };
  return { ok: true, start: { kind: 'interface', node: node.name, iif: addr.ifname, note: `${client} arrives from outside on ${node.name}'s ${addr.ifname} (${addr.local})` } };
}
