/** A conntrack entry (`conntrack -L`): the NAT the kernel applied is the difference between the tuples. */
export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** ICMP type/code/id */
  icmp?: { type: number; code: number; id?: number };
}

export interface ConntrackEntry {
  l3: 'ipv4' | 'ipv6';
  protocol: string; // tcp, udp, sctp, icmp, icmpv6, or a number
  timeout?: number;
  /** TCP/SCTP state: ESTABLISHED, TIME_WAIT, SYN_SENT ... */
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  /** ASSURED, UNREPLIED, ... */
  flags: string[];
  mark?: number;
  zone?: number;
  use?: number;
  /** 1-based line in the dump. */
  line?: number;
}
