/**
 * DST as a DNS name (`db`, `db.prod`, `db.prod.svc.cluster.local`, or `dns:NAME`): resolved the way the
 * source pod's resolver does it. A bare word names a pod when one exists in the namespace (as
 * before); otherwise it is a name. `svc/…`, `pod/…`, `node/…`, `ns/name` and IPs are never names.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { DnsInfo, Finding } from '../../sim/trace.js';
import { isValidIp } from '../../sim/addr.js';
import { UserError } from '../../util/errors.js';
import { resolveDestination, resolveSource } from './resolve.js';
import { objectsOf } from './views.js';
import { resolveName } from '../dns/index.js';

export interface Named {
  /** What to trace to: `svc/ns/name` or an address. */
  target: string;
  port?: string;
  info: DnsInfo;
  /** DNS settings that disagree with the cluster (kubelet clusterDNS, cluster domain, loopback nameserver): the trace's findings. */
  findings: Finding[];
}

interface Req {
  src: string;
  dst: string;
  namespace: string;
}

export function resolveDnsDestination(snapshot: Snapshot, req: Req): Named | undefined {
  const spec = dnsSpec(snapshot, req.dst, req.namespace);
  if (!spec) return undefined;
  const src = resolveSource(snapshot, req.src, req.namespace);
  if (src.kind !== 'pod') throw new UserError(`${spec.name} is a name, resolved with a pod's resolv.conf: SRC must be a pod`, { hint: `trace to the service instead: kubectl netx trace ${req.src} svc/NAME` });
  const r = resolveName(snapshot, src.pod, spec.name);
  const target = r.service ? `svc/${r.service}` : r.address ? (r.address.includes(':') ? `[${r.address}]` : r.address) : undefined;
  if (target) return { target, info: r.info, findings: r.findings, ...(spec.port !== undefined ? { port: spec.port } : {}) };
  // A bare word that is neither a pod nor a service: the pod resolver's error (with its suggestions) says it best.
  if (spec.bare) resolveDestination(snapshot, req.dst, req.namespace);
  const tried = r.info.attempts.map((a) => `${a.query}: ${a.result}`);
  // A settings problem (another cluster domain, a dead nameserver) is likely why: say it with the failure.
  const why = r.findings.filter((f) => f.severity !== 'info').map((f) => f.message);
  throw new UserError(`${spec.name} does not resolve to a Service in the cluster (from ${src.name}):\n  ${[...tried, ...why].join('\n  ')}`, { hint: r.findings.find((f) => f.hint)?.hint ?? 'trace to an IP:PORT for a name outside the cluster' });
}

function dnsSpec(snapshot: Snapshot, dst: string, namespace: string): { name: string; port?: string; bare: boolean } | undefined {
  const explicit = /^dns:(.+)$/.exec(dst);
  const body = explicit ? explicit[1]! : dst;
  if (!explicit && (body.includes('/') || body.startsWith('[') || isValidIp(body) || /^[\d.]+:\d+$/.test(body))) return undefined;
  const i = body.lastIndexOf(':');
  const name = i > 0 ? body.slice(0, i) : body;
  const port = i > 0 ? body.slice(i + 1) : undefined;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.?$/i.test(name)) return undefined;
  const bare = !name.includes('.');
  if (!explicit && objectsOf(snapshot, 'pods').some((p) => p.metadata?.namespace === namespace && p.metadata?.name === name)) return undefined;
  return { name, bare, ...(port !== undefined ? { port } : {}) };
}
