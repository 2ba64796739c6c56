/**
 * Parses `nft -a monitor trace` output (what the kernel reports for packets with nftrace set) into
 * typed events, and picks out the first packet's path. Pure. iptables-nft rules appear here in nft
 * syntax (`ip nat KUBE-SERVICES rule ... jump KUBE-SVC-…`), with their handles.
 */

interface TracePacket {
  iif?: string;
  oif?: string;
  saddr?: string;
  daddr?: string;
  sport?: number;
  dport?: number;
  /** IPv4 identification: the same packet keeps it across hooks and nodes (NAT does not change it). */
  ipId?: number;
  /**
   * IPv6 has no identification field: the flow label, payload length and TCP flags tell one packet
   * of a flow from the next (the flow label alone is the socket's, shared by SYN and ACK).
   */
  ip6Key?: string;
  protocol?: string;
}

export interface TraceEvent {
  traceId: string;
  family: string;
  table: string;
  chain: string;
  kind: 'packet' | 'rule' | 'policy' | 'verdict' | 'other';
  /** Rule text as nft prints it (without the handle and verdict suffix). */
  rule?: string;
  handle?: number;
  /** `accept`, `drop`, `continue`, `return`, `jump CHAIN`, `goto CHAIN`, … */
  verdict?: string;
  packet?: TracePacket;
  /** What the kernel printed after a verdict, e.g. `meta mark 0x00004000`. */
  extra?: string;
}

const LINE = /^trace id (\S+) (\S+) (\S+) (\S+) (.*)$/;
const RULE = /^rule (.*?)(?: # handle (\d+))? \(verdict ([^)]*)\)\s*$/;

function parsePacket(text: string): TracePacket {
  const p: TracePacket = {};
  const str = (re: RegExp): string | undefined => re.exec(text)?.[1];
  const num = (re: RegExp): number | undefined => {
    const v = str(re);
    return v === undefined ? undefined : Number(v);
  };
  const iif = str(/\biif "([^"]+)"/);
  const oif = str(/\boif "([^"]+)"/);
  if (iif !== undefined) p.iif = iif;
  if (oif !== undefined) p.oif = oif;
  const saddr = str(/\bip saddr (\S+)/);
  const daddr = str(/\bip daddr (\S+)/);
  if (saddr !== undefined) p.saddr = saddr;
  if (daddr !== undefined) p.daddr = daddr;
  const ipId = num(/\bip id (\d+)/);
  if (ipId !== undefined) p.ipId = ipId;
  if (saddr === undefined && daddr === undefined) {
    const s6 = str(/\bip6 saddr (\S+)/);
    const d6 = str(/\bip6 daddr (\S+)/);
    if (s6 !== undefined) p.saddr = s6;
    if (d6 !== undefined) p.daddr = d6;
    const label = str(/\bip6 flowlabel (\d+)/);
    if (label !== undefined) p.ip6Key = `${label}/${str(/\bip6 length (\d+)/) ?? ''}/${str(/\btcp flags == (\S+)/) ?? ''}`;
  }
  const l4 = /\b(tcp|udp|sctp) sport (\d+) \1 dport (\d+)/.exec(text);
  if (l4) {
    p.protocol = l4[1] ?? '';
    p.sport = Number(l4[2]);
    p.dport = Number(l4[3]);
  }
  return p;
}

/** One output line → event, or undefined for lines that are not trace events. */
export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = LINE.exec(line.trim());
  if (!m) return undefined;
  const [, traceId = '', family = '', table = '', chain = '', rest = ''] = m;
  const base = { traceId, family, table, chain };
  if (rest.startsWith('packet: ')) return { ...base, kind: 'packet', packet: parsePacket(rest.slice(8)) };
  const r = RULE.exec(rest);
  if (r) {
    const ev: TraceEvent = { ...base, kind: 'rule', rule: (r[1] ?? '').trim().replace(/\s+/g, ' '), verdict: r[3] ?? '' };
    if (r[2] !== undefined) ev.handle = Number(r[2]);
    return ev;
  }
  // `policy accept meta mark 0x00004000`: the verdict, then what the kernel adds about the packet.
  const pv = /^(policy|verdict) (\S+(?: \S+)?)(?: (meta .*?))?\s*$/.exec(rest);
  if (pv) {
    const verdict = (pv[2] ?? '').replace(/ meta$/, '');
    const ev: TraceEvent = { ...base, kind: pv[1] === 'policy' ? 'policy' : 'verdict', verdict };
    if (pv[3] !== undefined) ev.extra = pv[3];
    return ev;
  }
  return { ...base, kind: 'other', rule: rest.trim() };
}

export const parseTrace = (text: string): TraceEvent[] =>
  text.split('\n').flatMap((l) => {
    const e = parseTraceLine(l);
    return e ? [e] : [];
  });

/**
 * The events of the first traced packet: from the first `packet:` line up to the first `packet:`
 * line of a different packet (another IPv4 id, or IPv6 flow label/length/TCP flags). Trace ids are not stable across hooks (br_netfilter
 * re-enters), the IP id is. Events of `ignoreTable` (the oracle's own nftrace chain) are dropped.
 */
export function firstPacketPath(events: TraceEvent[], ignoreTable?: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  let id: number | string | undefined;
  for (const e of events) {
    if (e.kind === 'packet') {
      const pid = e.packet?.ipId ?? e.packet?.ip6Key;
      if (id === undefined) id = pid;
      else if (pid !== id) break;
    }
    if (id === undefined) continue;
    if (e.table === ignoreTable) continue;
    out.push(e);
  }
  return out;
}
