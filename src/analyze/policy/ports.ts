/**
 * The `ports` of a rule: empty or absent = every port and protocol; otherwise the flow must match one
 * entry. An entry's protocol defaults to TCP; no `port` = every port of that protocol; a numeric port
 * with `endPort` is the range port..endPort; a named port is resolved against the DESTINATION pod's
 * containerPorts (name and protocol), so one rule can mean different numbers on different pods.
 */
import type { V1NetworkPolicyPort } from '@kubernetes/client-node';
import type { FlowEnd, Proto } from './types.js';

export interface PortMatch {
  match: boolean;
  /** The entry that matched. */
  index?: number;
  /** Why it matched, or why none did (one line). */
  why: string;
  /** Invalid entries met on the way (an API server would have refused them). */
  invalid?: string[];
}

/** Does `proto`/`port` to `dest` match the rule's ports? */
export function matchPorts(ports: V1NetworkPolicyPort[] | undefined, proto: Proto, port: number, dest: FlowEnd): PortMatch {
  if (!ports || ports.length === 0) return { match: true, why: 'all ports' };
  const invalid: string[] = [];
  const misses: string[] = [];
  for (const [i, p] of ports.entries()) {
    const r = matchOne(p, proto, port, dest);
    if (r.invalid) invalid.push(r.invalid);
    if (r.match) return { match: true, index: i, why: r.why, ...(invalid.length ? { invalid } : {}) };
    misses.push(r.why);
  }
  return { match: false, why: `port ${port}/${proto.toUpperCase()} not in ${misses.join('; ')}`, ...(invalid.length ? { invalid } : {}) };
}

interface OneMatch {
  match: boolean;
  why: string;
  invalid?: string;
}

function matchOne(p: V1NetworkPolicyPort, proto: Proto, port: number, dest: FlowEnd): OneMatch {
  const want = (p.protocol ?? 'TCP').toLowerCase();
  const label = portLabel(p);
  if (want !== proto) return { match: false, why: label };
  if (p.port === undefined || p.port === null) return { match: true, why: `${label} (every port)` };
  if (typeof p.port === 'number') {
    const end = p.endPort ?? p.port;
    if (end < p.port) return { match: false, why: label, invalid: `endPort ${end} < port ${p.port}` };
    return { match: port >= p.port && port <= end, why: label };
  }
  const name = p.port;
  // A port name must contain a letter (IANA_SVC_NAME); "8080" as a string is not a number here.
  if (!/[a-z]/i.test(name)) return { match: false, why: label, invalid: `port ${JSON.stringify(name)} is a string but not a valid port name` };
  if (p.endPort !== undefined) return { match: false, why: label, invalid: `endPort with a named port (${name}) is not allowed` };
  const resolved = namedPort(dest, name, want);
  if (resolved === undefined) {
    const where = dest.kind === 'pod' ? `pod ${dest.name} has no ${want.toUpperCase()} containerPort named ${name}` : `a named port cannot match ${dest.ip}, which is not a pod`;
    return { match: false, why: `${label} (${where})` };
  }
  return { match: resolved === port, why: `${label} = ${resolved} on ${dest.kind === 'pod' ? dest.name : dest.ip}` };
}

/** The number a port name has on a pod (containers' ports, matching protocol), or undefined. */
export function namedPort(dest: FlowEnd, name: string, proto: string): number | undefined {
  if (dest.kind !== 'pod') return undefined;
  for (const c of dest.pod.spec?.containers ?? []) {
    for (const cp of c.ports ?? []) if (cp.name === name && (cp.protocol ?? 'TCP').toLowerCase() === proto) return cp.containerPort;
  }
  return undefined;
}

function portLabel(p: V1NetworkPolicyPort): string {
  const proto = (p.protocol ?? 'TCP').toUpperCase();
  if (p.port === undefined || p.port === null) return `${proto} any port`;
  return p.endPort !== undefined ? `${p.port}-${p.endPort}/${proto}` : `${p.port}/${proto}`;
}
