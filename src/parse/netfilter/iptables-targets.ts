/**
 * iptables targets (`-j NAME --opt…`) → model statements. Terminal targets (ACCEPT, DROP, REJECT, RETURN,
 * DNAT, SNAT, MASQUERADE, REDIRECT, TPROXY, QUEUE) end the rule; the others (MARK, CONNMARK, LOG, NFLOG, CT,
 * NOTRACK, TCPMSS, CHECKSUM, AUDIT) act and let evaluation continue with the next rule, as in the kernel.
 */
import type { Expr, NatStatement } from '../../model/netfilter.js';
import type { Opt } from './iptables-args.js';
import { plainVerdict } from './intern.js';
import { Unsupported, lookup, addrValue, canonicalAddr, not32, u32, valueMask } from './values.js';

type Translator = (opts: Opt[], family: 'ip' | 'ip6') => Expr[];

const arg = (o: Opt, k = 0): string => {
  const t = o.args[k];
  if (t === undefined) throw new Unsupported(`${o.name} needs an argument`);
  return t.value;
};
const unknownOpt = (o: Opt): never => {
  throw new Unsupported(`option ${o.name} is not modelled`);
};
const noNegation = (opts: Opt[]): void => {
  for (const o of opts) if (o.negated) throw new Unsupported(`! ${o.name} is not valid on a target`);
};

/** `ip`, `ip:port`, `ip:p1-p2`, `a-b:port`, `[v6]:port`, `v6`, `:port` (SNAT/DNAT/--on-ip). */
function parseNatTo(s: string): { addr?: string; addrTo?: string; port?: number; portTo?: number } {
  let host = s;
  let ports: string | undefined;
  const br = s.charCodeAt(0) === 91 /* [ */ ? /^\[([^\]]+)\](?::(.+))?$/.exec(s) : null;
  const c = s.indexOf(':');
  if (br) {
    host = br[1]!;
    ports = br[2];
  } else if (c >= 0 && c === s.lastIndexOf(':')) {
    host = s.slice(0, c);
    ports = s.slice(c + 1);
  }
  const out: { addr?: string; addrTo?: string; port?: number; portTo?: number } = {};
  if (host !== '') {
    const [a, b] = splitRange(host);
    const from = canonicalAddr(a);
    if (from === undefined) throw new Unsupported(`not an address: ${host}`);
    out.addr = from;
    if (b !== undefined) {
      const to = canonicalAddr(b);
      if (to === undefined) throw new Unsupported(`not an address: ${host}`);
      out.addrTo = to;
    }
  }
  if (ports !== undefined) Object.assign(out, portRange(ports));
  return out;
}

/** `a-b` for IPv4 ranges; IPv6 ranges are rare and also written `a-b`. */
function splitRange(s: string): [string, string | undefined] {
  const dash = s.indexOf('-');
  return dash < 0 ? [s, undefined] : [s.slice(0, dash), s.slice(dash + 1)];
}

function portRange(s: string): { port: number; portTo?: number } {
  const m = /^(\d{1,5})(?:[-:](\d{1,5}))?$/.exec(s);
  if (!m) throw new Unsupported(`not a port or port range: ${s}`);
  const port = Number(m[1]);
  if (port > 65535 || (m[2] !== undefined && Number(m[2]) > 65535)) throw new Unsupported(`port out of range: ${s}`);
  return m[2] === undefined || m[2] === m[1] ? { port } : { port, portTo: Number(m[2]) };
}

const NAT_FLAGS: Readonly<Record<string, string>> = {
  '--random': 'random',
  '--random-fully': 'fully-random',
  '--persistent': 'persistent',
};

function nat(type: NatStatement['type'], toOpt: string | undefined, opts: Opt[], family: 'ip' | 'ip6'): Expr[] {
  noNegation(opts);
  // kube-proxy's `-j DNAT --to-destination ip:port` (one per endpoint): the statement in one allocation.
  if (opts.length === 1 && toOpt !== undefined && opts[0]!.name === toOpt && (type === 'dnat' || type === 'snat')) {
    const to = parseNatTo(arg(opts[0]!));
    if (to.addr !== undefined && to.port !== undefined && to.addrTo === undefined && to.portTo === undefined)
      return [{ kind: 'nat', type, addr: to.addr, port: to.port, family }];
  }
  const st: NatStatement = { kind: 'nat', type };
  const flags: string[] = [];
  let tos = 0;
  for (const o of opts) {
    const flag = lookup(NAT_FLAGS, o.name);
    if (flag) flags.push(flag);
    else if (toOpt !== undefined && o.name === toOpt) {
      tos++;
      Object.assign(st, parseNatTo(arg(o)));
    } else if ((type === 'masquerade' || type === 'redirect') && o.name === '--to-ports') Object.assign(st, portRange(arg(o)));
    else unknownOpt(o);
  }
  // Several --to-destination (pre-2.6.11 round robin) cannot be expressed by one statement.
  if (tos > 1) throw new Unsupported(`more than one ${toOpt}`);
  if ((type === 'dnat' || type === 'snat') && st.addr === undefined && st.port === undefined)
    throw new Unsupported(`${type.toUpperCase()} without ${toOpt}`);
  if (type === 'dnat' || type === 'snat') st.family = family;
  if (flags.length > 0) st.flags = flags;
  return [st];
}

/** MARK/CONNMARK value changes, in the kernel's (mark & and) ^ xor form. */
function markChange(o: Opt): { and: number; xor: number } | undefined {
  switch (o.name) {
    case '--set-xmark': {
      const { value, mask } = valueMask(arg(o));
      return { and: not32(mask ?? 0xffffffff), xor: value };
    }
    case '--set-mark': {
      // libxt_MARK: --set-mark v/m is --set-xmark v/(v|m): clear the mask, then set v.
      const { value, mask } = valueMask(arg(o));
      return { and: not32((mask ?? 0xffffffff) | value), xor: value };
    }
    case '--and-mark':
      return { and: u32(arg(o)), xor: 0 };
    case '--or-mark': {
      const v = u32(arg(o));
      return { and: not32(v), xor: v };
    }
    case '--xor-mark':
      return { and: 0xffffffff, xor: u32(arg(o)) };
    default:
      return undefined;
  }
}

function markTarget(opts: Opt[]): Expr[] {
  noNegation(opts);
  if (opts.length !== 1) throw new Unsupported('MARK needs exactly one operation');
  const ch = markChange(opts[0]!) ?? unknownOpt(opts[0]!);
  return [{ kind: 'mark', target: 'meta', ...ch }];
}

function connmarkTarget(opts: Opt[]): Expr[] {
  noNegation(opts);
  let nfmask = 0xffffffff;
  let ctmask = 0xffffffff;
  let op: Opt | undefined;
  for (const o of opts) {
    if (o.name === '--nfmask') nfmask = u32(arg(o));
    else if (o.name === '--ctmask') ctmask = u32(arg(o));
    else if (o.name === '--mask') nfmask = ctmask = u32(arg(o));
    else if (op) throw new Unsupported('CONNMARK with two operations');
    else op = o;
  }
  if (!op) throw new Unsupported('CONNMARK without an operation');
  if (op.name === '--save-mark') {
    // xt_CONNMARK: ct = (ct & ~ctmask) ^ (mark & nfmask)
    return [withFromMask({ kind: 'mark-copy', from: 'meta', to: 'ct', mask: ctmask }, nfmask)];
  }
  if (op.name === '--restore-mark') {
    // xt_CONNMARK: mark = (mark & ~nfmask) ^ (ct & ctmask)
    return [withFromMask({ kind: 'mark-copy', from: 'ct', to: 'meta', mask: nfmask }, ctmask)];
  }
  const ch = markChange(op) ?? unknownOpt(op);
  return [{ kind: 'mark', target: 'ct', ...ch }];
}

function withFromMask(e: Expr & { kind: 'mark-copy' }, fromMask: number): Expr {
  if (fromMask !== e.mask) e.fromMask = fromMask;
  return e;
}

function logTarget(opts: Opt[], prefixOpt: string, known: string[]): Expr[] {
  noNegation(opts);
  let prefix: string | undefined;
  for (const o of opts) {
    if (o.name === prefixOpt) prefix = arg(o);
    else if (!known.includes(o.name)) unknownOpt(o);
  }
  return [prefix === undefined ? { kind: 'log' } : { kind: 'log', prefix }];
}

function ctTarget(opts: Opt[]): Expr[] {
  noNegation(opts);
  return opts.map((o): Expr => {
    switch (o.name) {
      case '--notrack': return { kind: 'notrack' };
      case '--zone': {
        const z = Number(arg(o));
        if (!Number.isInteger(z)) throw new Unsupported(`bad zone ${arg(o)}`);
        return { kind: 'ct-set', key: 'zone', value: { kind: 'int', value: z } };
      }
      case '--helper': return { kind: 'ct-set', key: 'helper', value: { kind: 'string', value: arg(o) } };
      default: return unknownOpt(o);
    }
  });
}

function tproxy(opts: Opt[], family: 'ip' | 'ip6'): Expr[] {
  noNegation(opts);
  const st: Expr & { kind: 'tproxy' } = { kind: 'tproxy', family };
  for (const o of opts) {
    if (o.name === '--on-port') st.port = Number(arg(o));
    else if (o.name === '--on-ip') {
      const a = addrValue(arg(o));
      if (a.kind !== 'addr') throw new Unsupported('TPROXY --on-ip must be one address');
      st.addr = a.value;
    } else if (o.name === '--tproxy-mark') {
      const { value, mask } = valueMask(arg(o));
      st.mark = { and: not32(mask ?? 0xffffffff), xor: value };
    } else unknownOpt(o);
  }
  return [st];
}

/** Targets that act without changing the path, kept as noop with their text. */
const NOOP = new Set(['TCPMSS', 'CHECKSUM', 'AUDIT']);

/** Target name → translator. An unknown name that is not a chain is kept verbatim as unknown-statement. */
export const TARGETS: Readonly<Record<string, Translator>> = {
  ACCEPT: () => [plainVerdict('accept')],
  DROP: () => [plainVerdict('drop')],
  RETURN: () => [plainVerdict('return')],
  QUEUE: () => [plainVerdict('queue')],
  NFQUEUE: () => [plainVerdict('queue')],
  REJECT: (opts) => {
    noNegation(opts);
    let w: string | undefined;
    for (const o of opts) (o.name === '--reject-with' ? (w = arg(o)) : unknownOpt(o));
    return [w === undefined ? { kind: 'reject' } : { kind: 'reject', with: w }];
  },
  DNAT: (o, f) => nat('dnat', '--to-destination', o, f),
  SNAT: (o, f) => nat('snat', '--to-source', o, f),
  MASQUERADE: (o, f) => nat('masquerade', undefined, o, f),
  REDIRECT: (o, f) => nat('redirect', undefined, o, f),
  MARK: (o) => markTarget(o),
  CONNMARK: (o) => connmarkTarget(o),
  LOG: (o) => logTarget(o, '--log-prefix', ['--log-level', '--log-tcp-sequence', '--log-tcp-options', '--log-ip-options', '--log-uid', '--log-macdecode']),
  NFLOG: (o) => logTarget(o, '--nflog-prefix', ['--nflog-group', '--nflog-range', '--nflog-size', '--nflog-threshold']),
  ULOG: (o) => logTarget(o, '--ulog-prefix', ['--ulog-nlgroup', '--ulog-cprange', '--ulog-qthreshold']),
  CT: (o) => ctTarget(o),
  NOTRACK: (o) => (o.length > 0 ? unknownOpt(o[0]!) : [{ kind: 'notrack' }]),
  TPROXY: (o, f) => tproxy(o, f),
};

/** The noop statement for a path-neutral target, or undefined. */
export function noopTarget(name: string, text: string): Expr | undefined {
  return NOOP.has(name) ? { kind: 'noop', text } : undefined;
}
