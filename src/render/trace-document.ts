/**
 * The JSON/YAML document of a trace request: always one object with the Trace fields at the top
 * (`source`, `destination`, `disposition`, `branches`, `findings`), so `jq .disposition` and
 * `.branches[]` work whatever the request gave. One Trace is printed as it is. Several (a service
 * traced on each of its ports, a headless service's endpoints, an outside client on every node,
 * `--dns`) add `traces`, each trace without its branches, and the top-level fields sum them up: the
 * disposition over every branch, every trace's branches (each with `trace`, its index in `traces`;
 * odds are within that trace), findings and labels without repeats, the first trace's source, and the
 * destination as named (without the port that tells the traces apart, with `ports` listing them).
 * Each branch is printed once: the document is no bigger than the traces themselves.
 */
import { overallDisposition } from '../sim/summary.js';
import type { AddressLabel, Branch, Finding, Trace, TraceEnd } from '../sim/trace.js';
import { uniqueBy } from '../util/unique.js';

/** One trace of several: every Trace field but `branches`, which are the top level's with its index. */
type TraceSummary = Omit<Trace, 'branches'>;

export interface TraceDocument extends Trace {
  /** Set when the request gave several traces. */
  traces?: TraceSummary[];
}

type DocumentBranch = Branch & { trace?: number };

export function traceDocument(traces: Trace[]): TraceDocument {
  if (traces.length === 1) return traces[0]!;
  const main = traces.find((t) => t.role !== 'dns-query') ?? traces[0]!;
  const branches: DocumentBranch[] = traces.flatMap((t, i) => t.branches.map((b) => ({ ...b, trace: i })));
  return {
    source: traces[0]!.source,
    destination: namedDestination(traces.filter((t) => t.role !== 'dns-query'), main.destination),
    disposition: overallDisposition(branches),
    branches,
    findings: uniqueBy(traces.flatMap((t) => t.findings), (f: Finding) => `${f.code}\0${f.message}`),
    labels: uniqueBy(
      traces.flatMap((t) => t.labels ?? []),
      (l: AddressLabel) => `${l.address}\0${l.kind}\0${l.name ?? ''}`,
    ),
    ...(main.dns ? { dns: main.dns } : {}),
    ...(main.ingress ? { ingress: main.ingress } : {}),
    traces: traces.map(({ branches: _branches, ...rest }) => rest),
  };
}

interface DestinationPort {
  port: number;
  protocol: string;
  portName?: string;
}

/** The destination the traces share; its port only when they all have the same one, else `ports`. */
function namedDestination(traces: Trace[], first: TraceEnd): TraceEnd & { ports?: DestinationPort[] } {
  const seen = new Map<string, DestinationPort>();
  for (const { destination: d } of traces) {
    if (d.port !== undefined) seen.set(`${d.port}/${d.protocol}`, { port: d.port, protocol: d.protocol, ...(d.portName ? { portName: d.portName } : {}) });
  }
  if (seen.size <= 1) return first;
  const { port: _port, portName: _portName, ...rest } = first;
  return { ...rest, ports: [...seen.values()] };
}
