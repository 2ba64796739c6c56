/**
 * The oracle: asks the kernel what happens to a probe (source pod, destination ip:port, protocol).
 * It records (1) the rule path of the first packet on every node from `nft monitor trace`, (2) the
 * conntrack entries of that flow on every node (original and reply tuple = the NAT applied), and
 * (3) the outcome of N attempts: which endpoint answered, or refused/timeout/unreachable.
 */
import { NODE_BIN, agentPath, type Lab } from './build.js';
import { parseConntrack, type ConntrackEntry } from './conntrack.js';
import { inNs, run, sleep, startBackground, type Background } from './exec.js';
import { firstPacketPath, parseTrace, type TraceEvent } from './trace.js';
import { UNDERLAY_GATEWAY, UNDERLAY6_GATEWAY, podByName, type LabProtocol } from './spec.js';

/** One question for the kernel. */
export interface ProbeCase {
  /** Stable id (fixture key). */
  id: string;
  /** Source: a pod name, or `underlay` (an off-cluster client on the node network, 172.31.250.1). */
  from: string;
  to: { ip: string; port: number; protocol: LabProtocol };
  /** Attempts for the distribution (default 1). */
  count?: number;
  /** Pause between attempts: REJECT answers are ICMP, rate-limited by the kernel (default 0). */
  gapMs?: number;
  /** Per-attempt timeout (default 1000 ms); a silent drop shows as a timeout. */
  timeoutMs?: number;
  /** Fixed source port (reuses an existing conntrack entry). */
  sourcePort?: number;
  /** Do not flush conntrack before the case (stale-entry scenarios). */
  keepConntrack?: boolean;
  /** Record the rule path with nft monitor trace (default true). */
  trace?: boolean;
  /**
   * The `kubectl netx trace` request whose prediction this case checks (test/analyze/trace/oracle-compare.ts).
   * Default: SRC = the source pod and DST = ip:port; from the underlay, a walk entering the node that owns
   * the address. With `dns`, the prediction is the trace of the DNS query (role `dns-query`).
   */
  netx?: { src: string; dst: string; fromNode?: string; dns?: boolean; family?: 4 | 6 };
}

type AttemptOutcome =
  | { kind: 'answered'; by: string }
  | { kind: 'refused' }
  | { kind: 'reset' }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'error'; code: string };

export interface Observation {
  case: ProbeCase;
  source: { ip: string; node?: string; namespace: 'pod' | 'underlay' };
  /** Outcome of the first (traced) attempt. */
  first: AttemptOutcome;
  /** All attempts including the first. */
  attempts: number;
  /** Counts per outcome key: `answered:<pod>`, `refused`, `timeout`, `unreachable:<code>`, … */
  outcomes: Record<string, number>;
  /** Pods that answered, with counts. */
  endpoints: Record<string, number>;
  /** Per node: conntrack entries of the first attempt's flow (matched on protocol and ports). */
  conntrack: Record<string, ConntrackEntry[]>;
  /** Per node: the first packet's netfilter path (the oracle's own trace chain left out). */
  trace: Record<string, TraceEvent[]>;
}

const TRACE_TABLE = 'netx-trace';

const outcomeKey = (o: AttemptOutcome): string =>
  o.kind === 'answered' ? `answered:${o.by}` : o.kind === 'unreachable' || o.kind === 'error' ? `${o.kind}:${o.code}` : o.kind;

/** Ports a probe's packets carry on the way: the service port, node port and the target ports behind them. */
function portsOf(lab: Lab, c: ProbeCase): number[] {
  const ports = new Set([c.to.port]);
  for (const s of lab.spec.services) {
    for (const p of s.ports) {
      if (p.protocol === c.to.protocol && (p.port === c.to.port || p.nodePort === c.to.port)) ports.add(p.targetPort);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** An IPv6 destination (dual-stack labs): the source is the pod's IPv6 address. */
const isIPv6Case = (c: ProbeCase): boolean => c.to.ip.includes(':');

function sourceOf(lab: Lab, from: string, ipv6 = false): Observation['source'] & { ns: string } {
  if (from === 'underlay') return { ip: ipv6 ? UNDERLAY6_GATEWAY : UNDERLAY_GATEWAY, namespace: 'underlay', ns: lab.underlayNs };
  const pod = podByName(lab.plan, from);
  if (ipv6 && !pod.ip6) throw new Error(`oracle: pod ${from} has no IPv6 address`);
  return { ip: ipv6 ? (pod.ip6 ?? '') : pod.ip, node: pod.nodeName, namespace: 'pod', ns: lab.podNs(pod) };
}

interface RawAttempt {
  kind: string;
  body?: string;
  code?: string;
}

async function attempts(ns: string, c: ProbeCase, count: number): Promise<AttemptOutcome[]> {
  const args = {
    protocol: c.to.protocol,
    host: c.to.ip,
    port: c.to.port,
    count,
    timeoutMs: c.timeoutMs ?? 1000,
    gapMs: c.gapMs ?? 0,
    ...(c.sourcePort !== undefined ? { sourcePort: c.sourcePort } : {}),
  };
  const r = await run(inNs(ns, [NODE_BIN, agentPath('probe-client.ts'), JSON.stringify(args)]), {
    timeoutMs: 30_000 + count * ((c.timeoutMs ?? 1000) + (c.gapMs ?? 0)),
  });
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l): AttemptOutcome => {
      const a = JSON.parse(l) as RawAttempt;
      switch (a.kind) {
        case 'answered':
          return { kind: 'answered', by: a.body ?? '' };
        case 'refused':
        case 'reset':
        case 'timeout':
          return { kind: a.kind };
        case 'unreachable':
          return { kind: 'unreachable', code: a.code ?? '' };
        default:
          return { kind: 'error', code: a.code ?? a.kind };
      }
    });
}

/** A UDP datagram to 127.0.0.1:CANARY_PORT inside a node is traced too: it proves the monitor is listening and flushed. */
const CANARY_PORT = 9;

function traceRuleset(proto: string, ports: number[], ipv6 = false): string {
  const match = `meta l4proto ${proto} th dport { ${ports.join(', ')} } meta nftrace set 1`;
  // The same two chains per family; IPv6 probes get an ip6 table (the canary stays IPv4, in the ip table).
  const table = (family: 'ip' | 'ip6', extra: string[]): string[] => [
    `table ${family} ${TRACE_TABLE} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority -310;',
    `    ${match}`,
    '  }',
    '  chain output {',
    '    type filter hook output priority -310;',
    `    ${match}`,
    ...extra,
    '  }',
    '}',
  ];
  return [...(ipv6 ? table('ip6', []) : []), ...table('ip', [`    ip daddr 127.0.0.1 udp dport ${CANARY_PORT} meta nftrace set 1`]), ''].join('\n');
}

/** `nft monitor trace` in one node namespace, with a canary handshake instead of fixed sleeps. */
class TraceMonitor {
  readonly node: string;
  private readonly lab: Lab;
  private readonly mon: Background;
  private start = 0;

  constructor(lab: Lab, node: string) {
    this.lab = lab;
    this.node = node;
    // Line-buffered so nothing is lost when the monitor is stopped.
    this.mon = startBackground(inNs(lab.nodeNs(node), ['stdbuf', '-oL', 'nft', '-a', 'monitor', 'trace']));
  }

  private canaries(): number {
    return this.mon.output().split('\n').filter((l) => l.includes(' packet: ') && l.includes('ip daddr 127.0.0.1') && l.includes(`udp dport ${CANARY_PORT} `)).length;
  }

  /** Sends canaries until the monitor reports one more than before (5 s at most). */
  async sync(): Promise<void> {
    const seen = this.canaries();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      await run(inNs(this.lab.nodeNs(this.node), ['bash', '-c', `echo canary > /dev/udp/127.0.0.1/${CANARY_PORT}`]), { check: false });
      for (let i = 0; i < 10; i++) {
        if (this.canaries() > seen) {
          await sleep(20); // the canary's own later hooks (loopback input)
          return;
        }
        await sleep(20);
      }
    }
    throw new Error(`oracle: nft monitor trace in ${this.node} reports nothing`);
  }

  /** Marks the start of the probe's events (after sync). */
  mark(): void {
    this.start = this.mon.output().length;
  }

  /** The probe's events: between mark() and the final sync, canaries left out. */
  async events(): Promise<TraceEvent[]> {
    await this.sync();
    await this.mon.stop();
    // Drop the canary's segments (a packet line and the events after it, up to the next packet line).
    let inCanary = false;
    return parseTrace(this.mon.output().slice(this.start)).filter((e) => {
      if (e.kind === 'packet') inCanary = e.packet?.daddr === '127.0.0.1' && e.packet.dport === CANARY_PORT;
      return !inCanary;
    });
  }

  stop(): Promise<void> {
    return this.mon.stop();
  }
}

/** Runs one probe case against the lab and records what the kernel did. */
export async function observe(lab: Lab, c: ProbeCase): Promise<Observation> {
  const six = isIPv6Case(c);
  const src = sourceOf(lab, c.from, six);
  const nodes = lab.plan.nodes.map((n) => n.name);
  const ports = portsOf(lab, c);
  const proto = c.to.protocol.toLowerCase();
  if (!c.keepConntrack) {
    for (const n of nodes) await lab.inNode(n, ['conntrack', '-F'], false);
  }
  const traced = c.trace ?? true;
  const monitors: TraceMonitor[] = [];
  const trace: Record<string, TraceEvent[]> = {};
  let first: AttemptOutcome;
  try {
    if (traced) {
      for (const n of nodes) {
        await run(inNs(lab.nodeNs(n), ['nft', '-f', '-']), { input: traceRuleset(proto, ports, six) });
        monitors.push(new TraceMonitor(lab, n));
      }
      for (const m of monitors) await m.sync();
      for (const m of monitors) m.mark();
    }
    [first = { kind: 'error', code: 'no-output' }] = await attempts(src.ns, c, 1);
    for (const m of monitors) trace[m.node] = firstPacketPath(await m.events(), TRACE_TABLE);
  } finally {
    for (const m of monitors) {
      await m.stop();
      await run(inNs(lab.nodeNs(m.node), ['nft', 'delete', 'table', 'ip', TRACE_TABLE]), { check: false });
      if (six) await run(inNs(lab.nodeNs(m.node), ['nft', 'delete', 'table', 'ip6', TRACE_TABLE]), { check: false });
    }
  }
  const conntrack: Record<string, ConntrackEntry[]> = {};
  for (const n of nodes) {
    const r = await lab.inNode(n, ['conntrack', '-L', '-p', proto, ...(six ? ['-f', 'ipv6'] : [])], false);
    conntrack[n] = parseConntrack(r.stdout).filter(
      (e) => e.original.dport !== undefined && ports.includes(e.original.dport) && e.protocol === proto,
    );
  }
  const rest = (c.count ?? 1) > 1 ? await attempts(src.ns, c, (c.count ?? 1) - 1) : [];
  const all = [first, ...rest];
  const outcomes: Record<string, number> = {};
  const endpoints: Record<string, number> = {};
  for (const o of all) {
    outcomes[outcomeKey(o)] = (outcomes[outcomeKey(o)] ?? 0) + 1;
    if (o.kind === 'answered') endpoints[o.by] = (endpoints[o.by] ?? 0) + 1;
  }
  const { ns: _ns, ...source } = src;
  return { case: c, source, first, attempts: all.length, outcomes, endpoints, conntrack, trace };
}
