/**
 * SRC and DST as the user typed them → what kind of thing each names, before any object is looked up.
 * Parsed once per request; resolution (resolve.ts) and every later step take these values, never the text.
 * Pure text rules: whether a bare word is a pod or a DNS name needs the snapshot, so it stays `name`.
 */
import { isDottedQuad, isIPv6 } from '../../util/addr.js';
import { UserError } from '../../util/errors.js';
import { parseExternalSource, type ExternalSource } from './external.js';
import { parseWorkloadRef, type WorkloadKind } from './workload.js';

/** `:80` or `:http` after a name. */
export type PortSpec = { kind: 'number'; port: number } | { kind: 'name'; name: string };

export type SourceSpec =
  | ExternalSource
  /** `node/NAME`: the node itself sends. */
  | { kind: 'node'; name: string }
  /** `deploy/NAME`, `sts/`, `ds/`, `rs/`, `job/`: the pod kubectl exec would pick. */
  | { kind: 'workload'; workload: WorkloadKind; namespace: string; name: string }
  /** `pod/NAME`, `NS/NAME` or `NAME`. */
  | { kind: 'pod'; namespace: string; name: string };

export type DestinationSpec =
  /** `IP`, `IP:PORT`, `[v6]`, `[v6]:PORT`: a typed address fixes the family. */
  | { kind: 'address'; ip: string; port?: number }
  | { kind: 'service'; namespace: string; name: string; port?: PortSpec }
  | { kind: 'node'; name: string; port?: PortSpec }
  /** `pod/NAME` or `NS/NAME`. */
  | { kind: 'pod'; namespace: string; name: string; port?: PortSpec }
  /** A word that could be either: the pod of that name in the namespace when there is one, else a DNS name. */
  | { kind: 'name'; name: string; port?: PortSpec }
  /** `dns:NAME`: a DNS name, even where a pod has that name. */
  | { kind: 'dns'; name: string; port?: PortSpec }
  /** `ingress/NAME`: the --host/--path rule picks the backend. */
  | { kind: 'ingress'; namespace: string; name: string };

export function parseSource(text: string, namespace: string): SourceSpec {
  const ext = parseExternalSource(text);
  if (ext) return ext;
  if (text.startsWith('node/')) return { kind: 'node', name: text.slice('node/'.length) };
  const w = parseWorkloadRef(text, namespace);
  if (w) return { kind: 'workload', workload: w.kind, namespace: w.namespace, name: w.name };
  return { kind: 'pod', ...splitNs(text.replace(/^pods?\//, ''), namespace) };
}

export function parseDestination(text: string, namespace: string): DestinationSpec {
  const ing = /^(?:ingress|ingresses|ing)\/(.+)$/.exec(text);
  if (ing) return { kind: 'ingress', ...splitNs(ing[1]!, namespace) };
  const addr = parseAddress(text);
  if (addr) return addr;
  const dns = /^dns:(.+)$/.exec(text);
  if (dns) {
    const { name, port } = splitPort(dns[1]!);
    if (!HOSTNAME.test(name)) throw new UserError(`${text}: ${name} is not a DNS name`, { hint: 'dns:NAME[:PORT], e.g. dns:db.prod.svc.cluster.local:5432' });
    return { kind: 'dns', name, ...port };
  }
  const { name, port } = splitPort(text);
  const svc = /^(?:svc|service|services)\/(.+)$/.exec(name);
  if (svc) return { kind: 'service', ...splitNs(svc[1]!, namespace), ...port };
  const node = /^(?:node|nodes)\/(.+)$/.exec(name);
  if (node) return { kind: 'node', name: node[1]!, ...port };
  const bare = name.replace(/^pods?\//, '');
  // `ns/name` and `pod/…` are pods; a word that is a valid host name may also be a DNS name.
  // Digits and dots alone are a mistyped address, never a host name (no top-level domain is numeric).
  if (bare === name && !name.includes('/') && HOSTNAME.test(name) && !/^[\d.]+$/.test(name)) return { kind: 'name', name, ...port };
  return { kind: 'pod', ...splitNs(bare, namespace), ...port };
}

/** RFC 1123 host name, optionally fully qualified with a trailing dot. */
const HOSTNAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.?$/i;

/**
 * A strictly written address: four decimal parts for IPv4 (`10` or `10.1` are names, not 0.0.0.10), any IPv6 form,
 * brackets required for IPv6 with a port.
 */
function parseAddress(text: string): Extract<DestinationSpec, { kind: 'address' }> | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return isIPv6(v6[1]!) ? { kind: 'address', ip: v6[1]!, ...(v6[2] !== undefined ? { port: Number(v6[2]) } : {}) } : undefined;
  if (isIPv6(text) || isDottedQuad(text)) return { kind: 'address', ip: text };
  const v4 = /^([\d.]+):(\d+)$/.exec(text);
  if (v4 && isDottedQuad(v4[1]!)) return { kind: 'address', ip: v4[1]!, port: Number(v4[2]) };
  return undefined;
}

/** `NAME[:PORT]`: the name, and `port` ready to spread into a spec (absent when none is written). */
function splitPort(text: string): { name: string; port: { port?: PortSpec } } {
  const i = text.lastIndexOf(':');
  if (i <= 0) return { name: text, port: {} };
  const p = text.slice(i + 1);
  return { name: text.slice(0, i), port: { port: /^\d+$/.test(p) ? { kind: 'number', port: Number(p) } : { kind: 'name', name: p } } };
}

function splitNs(ref: string, namespace: string): { namespace: string; name: string } {
  const parts = ref.split('/');
  return parts.length >= 2 ? { namespace: parts[0]!, name: parts.slice(1).join('/') } : { namespace, name: ref };
}

/** The spec written back as the user would type it: for messages and hints only, never re-parsed. */
export function destinationText(d: DestinationSpec): string {
  const p = 'port' in d ? d.port : undefined;
  const port = p === undefined ? '' : `:${typeof p === 'number' ? p : p.kind === 'number' ? p.port : p.name}`;
  switch (d.kind) {
    case 'address':
      return d.ip.includes(':') && port ? `[${d.ip}]${port}` : `${d.ip}${port}`;
    case 'service':
      return `svc/${d.namespace}/${d.name}${port}`;
    case 'node':
      return `node/${d.name}${port}`;
    case 'pod':
      return `pod/${d.namespace}/${d.name}${port}`;
    case 'name':
      return `${d.name}${port}`;
    case 'dns':
      return `dns:${d.name}${port}`;
    case 'ingress':
      return `ingress/${d.namespace}/${d.name}`;
  }
}
