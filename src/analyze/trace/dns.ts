/**
 * DST as a DNS name (`db`, `db.prod`, `db.prod.svc.cluster.local`, or `dns:NAME`): resolved the way the
 * source pod's resolver does it. A bare word names a pod when one exists in the namespace (a pod's name
 * is what users type most); otherwise it is a name. `svc/…`, `pod/…`, `node/…`, `ns/name` and IPs are
 * never names (request.ts).
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { DnsInfo, Finding } from '../../sim/trace.js';
import { UserError } from '../../util/errors.js';
import { resolveDestination, type Source } from './resolve.js';
import { objectsOf } from './views.js';
import { resolveName } from '../dns/index.js';
import type { DestinationSpec } from './request.js';

export interface Named {
  /** What to trace to: the Service the name resolved to, or its address. */
  target: Extract<DestinationSpec, { kind: 'service' | 'address' }>;
  info: DnsInfo;
  /** DNS settings that disagree with the cluster (kubelet clusterDNS, cluster domain, loopback nameserver): the trace's findings. */
  findings: Finding[];
}

type NameSpec = Extract<DestinationSpec, { kind: 'name' | 'dns' }>;

/** Whether DST is to be resolved as a DNS name: `dns:NAME` always, a word only when no pod of the namespace has that name. */
export function isDnsName(snapshot: Snapshot, dst: DestinationSpec, namespace: string): dst is NameSpec {
  if (dst.kind === 'dns') return true;
  return dst.kind === 'name' && !objectsOf(snapshot, 'pods').some((p) => p.metadata?.namespace === namespace && p.metadata?.name === dst.name);
}

/** Resolves `spec` with the source pod's resolver; `srcText` is SRC as typed (for hints). */
export function resolveDnsDestination(snapshot: Snapshot, src: () => Source, srcText: string, spec: NameSpec, namespace: string): Named {
  const source = src();
  if (source.kind !== 'pod') throw new UserError(`${spec.name} is a name, resolved with a pod's resolv.conf: SRC must be a pod`, { hint: `trace to the service instead: kubectl netx trace ${srcText} svc/NAME` });
  const r = resolveName(snapshot, source.pod, spec.name);
  const port = spec.port !== undefined ? { port: spec.port } : {};
  if (r.service) {
    const [ns, ...name] = r.service.split('/');
    return { target: { kind: 'service', namespace: ns ?? namespace, name: name.join('/'), ...port }, info: r.info, findings: r.findings };
  }
  if (r.address) {
    // An address has no named ports: a name given as the port stays unresolved, as it would for IP:NAME.
    const target = { kind: 'address' as const, ip: r.address, ...(spec.port?.kind === 'number' ? { port: spec.port.port } : {}) };
    if (spec.port?.kind === 'name') throw new UserError(`${spec.name} resolves to the address ${r.address}, which has no port named ${spec.port.name}`, { hint: `give the port as a number: ${spec.name}:PORT` });
    return { target, info: r.info, findings: r.findings };
  }
  // A bare word that is neither a pod nor a service: the pod resolver's error (with its suggestions) says it best.
  if (spec.kind === 'name' && !spec.name.includes('.')) resolveDestination(snapshot, spec, namespace);
  const tried = r.info.attempts.map((a) => `${a.query}: ${a.result}`);
  // A settings problem (another cluster domain, a dead nameserver) is likely why: say it with the failure.
  const why = r.findings.filter((f) => f.severity !== 'info').map((f) => f.message);
  throw new UserError(`${spec.name} does not resolve to a Service in the cluster (from ${source.name}):\n  ${[...tried, ...why].join('\n  ')}`, { hint: r.findings.find((f) => f.hint)?.hint ?? 'trace to an IP:PORT for a name outside the cluster' });
}
