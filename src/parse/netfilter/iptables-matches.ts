/**
 * iptables match modules (`-m NAME --opt…`) → model expressions, one module at a time. A translator throws
 * Unsupported for an option it does not know; the caller then keeps the whole module verbatim as unknown.
 */
import type { CmpOp, Expr, Selector, Value } from '../../model/netfilter.js';
import type { Opt } from './iptables-args.js';
import { ctSel, intVal, metaSel, payloadSel, sharedExpr, sharedExprBy, symSetVal, symVal } from './intern.js';
import { Unsupported, lookup, addrValue, portValue, protoName, tcpFlagBits, valueMask } from './values.js';

/** What a match translator may read about the rule it is in. */
export interface MatchCtx {
  family: 'ip' | 'ip6';
  /** The `-p` protocol (nft name), when given. */
  proto?: string;
  /** Set when `-m comment` is seen. */
  setComment(text: string, words: number): void;
}

type Translator = (opts: Opt[], ctx: MatchCtx) => Expr[];

const arg = (o: Opt, k = 0): string => {
  const t = o.args[k];
  if (t === undefined) throw new Unsupported(`${o.name} needs an argument`);
  return t.value;
};
const eq = (o: Opt): '==' | '!=' => (o.negated ? '!=' : '==');
const match = (left: Selector, op: CmpOp, right: Value): Expr => ({
  kind: 'match',
  left,
  op,
  right,
});
const sym = symVal;
const int = intVal;
const symSet = (csv: string): Value => symSetVal(csv.toLowerCase().split(','));
const unknownOpt = (o: Opt): never => {
  throw new Unsupported(`option ${o.name} is not modelled`);
};

/** Ports of tcp/udp/sctp/dccp. */
function l4(opts: Opt[], ctx: MatchCtx, proto: 'tcp' | 'udp' | 'sctp' | 'dccp'): Expr[] {
  const p = proto === 'dccp' ? 'th' : proto;
  const out: Expr[] = [];
  for (const o of opts) {
    switch (o.name) {
      case '--dport': case '--destination-port':
        out.push(portMatch(p, 'dport', o));
        break;
      case '--sport': case '--source-port':
        out.push(portMatch(p, 'sport', o));
        break;
      case '--tcp-flags':
        if (proto !== 'tcp') unknownOpt(o);
        out.push(tcpFlags(tcpFlagBits(arg(o, 0)), tcpFlagBits(arg(o, 1)), o.negated));
        break;
      case '--syn':
        if (proto !== 'tcp') unknownOpt(o);
        out.push(tcpFlags(0x17, 0x02, o.negated));
        break;
      default:
        unknownOpt(o);
    }
  }
  void ctx;
  return out;
}

/** `--dport 80`: one shared expression per protocol, field, negation and port text. */
function portMatch(p: 'tcp' | 'udp' | 'sctp' | 'th', field: 'dport' | 'sport', o: Opt): Expr {
  const v = arg(o);
  const op = eq(o);
  return sharedExprBy(`${p} ${field} ${op}`, v, () => match(payloadSel(p, field), op, portValue(v)));
}

function tcpFlags(mask: number, comp: number, negated: boolean): Expr {
  return match({ kind: 'bitwise', op: '&', left: payloadSel('tcp', 'flags'), right: mask }, negated ? '!=' : '==', int(comp));
}

/** `--mark v/m` against meta mark or ct mark. */
function markMatch(o: Opt, key: 'meta' | 'ct'): Expr {
  const text = arg(o);
  const op = eq(o);
  return sharedExprBy(`${key} mark ${op}`, text, () => {
    const { value, mask } = valueMask(text);
    const sel: Selector = key === 'meta' ? metaSel('mark') : ctSel('mark');
    const left: Selector = mask === undefined || mask === 0xffffffff ? sel : { kind: 'bitwise', op: '&', left: sel, right: mask };
    return match(left, op, int(value));
  });
}

const CT_ADDR: Readonly<Record<string, [string, 'original' | 'reply']>> = {
  '--ctorigsrc': ['saddr', 'original'],
  '--ctorigdst': ['daddr', 'original'],
  '--ctreplsrc': ['saddr', 'reply'],
  '--ctrepldst': ['daddr', 'reply'],
};
const CT_PORT: Readonly<Record<string, [string, 'original' | 'reply']>> = {
  '--ctorigsrcport': ['proto-src', 'original'],
  '--ctorigdstport': ['proto-dst', 'original'],
  '--ctreplsrcport': ['proto-src', 'reply'],
  '--ctrepldstport': ['proto-dst', 'reply'],
};

function conntrack(opts: Opt[]): Expr[] {
  return opts.map((o): Expr => {
    if (o.name === '--ctstate' || o.name === '--state') return ctFlags('state', o);
    if (o.name === '--ctstatus') return ctFlags('status', o);
    if (o.name === '--ctproto') return match(ctSel('protocol', 'original'), eq(o), sym(protoName(arg(o))));
    if (o.name === '--ctdir') return match(ctSel('direction'), eq(o), sym(arg(o).toLowerCase()));
    const a = lookup(CT_ADDR, o.name);
    if (a) return match(ctSel(a[0], a[1]), eq(o), addrValue(arg(o)));
    const p = lookup(CT_PORT, o.name);
    if (p) return match(ctSel(p[0], p[1]), eq(o), portValue(arg(o)));
    return unknownOpt(o);
  });
}

/** `--ctstate NEW`: one shared expression per key, negation and flag list. */
function ctFlags(key: 'state' | 'status', o: Opt): Expr {
  const v = arg(o);
  const op = o.negated ? '!=' : 'in';
  return sharedExprBy(`ct ${key} ${op}`, v, () => match(ctSel(key), op, symSet(v)));
}

function addrtype(opts: Opt[]): Expr[] {
  const flags = new Set<'iif' | 'oif'>();
  for (const o of opts) {
    if (o.name === '--limit-iface-in') flags.add('iif');
    else if (o.name === '--limit-iface-out') flags.add('oif');
  }
  const out: Expr[] = [];
  for (const o of opts) {
    if (o.name === '--limit-iface-in' || o.name === '--limit-iface-out') continue;
    const dir = o.name === '--src-type' ? 'saddr' : o.name === '--dst-type' ? 'daddr' : unknownOpt(o);
    const types = arg(o).toLowerCase().split(',');
    const right: Value = types.length === 1 ? sym(types[0]!) : { kind: 'set', elements: types.map(sym) };
    out.push(match({ kind: 'fib', flags: [dir, ...flags], result: 'type' }, eq(o), right));
  }
  return out;
}

function statistic(opts: Opt[]): Expr[] {
  let mode: Opt | undefined;
  let probability: Opt | undefined;
  let every: Opt | undefined;
  let packet: Opt | undefined;
  // The last of a repeated option wins, as iptables' own parser does.
  for (const o of opts) {
    if (o.name === '--mode') mode = o;
    else if (o.name === '--probability') probability = o;
    else if (o.name === '--every') every = o;
    else if (o.name === '--packet') packet = o;
    else unknownOpt(o);
  }
  if (mode && arg(mode) === 'random') {
    const p = probability;
    if (!p) throw new Unsupported('statistic random without --probability');
    const text = arg(p);
    const v = Number(text);
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new Unsupported(`bad probability ${text}`);
    // xt_statistic inverted: matches when the random draw is NOT below p.
    return [sharedExprBy(p.negated ? 'random !' : 'random', text, () => ({ kind: 'random', probability: p.negated ? 1 - v : v }))];
  }
  if (mode && arg(mode) === 'nth') {
    const n = Number(arg(every ?? unknownOpt(mode)));
    const k = packet ? Number(arg(packet)) : 0;
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(k)) throw new Unsupported('bad statistic nth');
    if (every!.negated) throw new Unsupported('inverted statistic nth');
    return [{ kind: 'nth', every: n, packet: k }];
  }
  throw new Unsupported('statistic without a known --mode');
}

function recent(opts: Opt[]): Expr[] {
  let name = 'DEFAULT';
  let mode: 'rcheck' | 'update' | 'set' | 'remove' | undefined;
  let negate = false;
  const r: { seconds?: number; reap?: boolean; mask?: string; hitcount?: number } = {};
  let side: 'src' | 'dst' = 'src';
  for (const o of opts) {
    switch (o.name) {
      case '--name': name = arg(o); break;
      case '--set': case '--rcheck': case '--update': case '--remove':
        mode = o.name.slice(2) as typeof mode;
        negate = o.negated;
        break;
      case '--seconds': r.seconds = Number(arg(o)); break;
      case '--reap': r.reap = true; break;
      case '--hitcount': r.hitcount = Number(arg(o)); break;
      case '--mask': r.mask = arg(o); break;
      case '--rsource': side = 'src'; break;
      case '--rdest': side = 'dst'; break;
      case '--rttl': throw new Unsupported('recent --rttl is not modelled');
      default: unknownOpt(o);
    }
  }
  if (!mode) throw new Unsupported('recent without --set/--rcheck/--update/--remove');
  if (r.seconds !== undefined && !Number.isFinite(r.seconds)) throw new Unsupported('bad --seconds');
  const m: Expr = { kind: 'recent', name, mode, side, ...r };
  if (negate) m.negate = true;
  return [m];
}

function ipset(opts: Opt[]): Expr[] {
  const out: Expr[] = [];
  for (const o of opts) {
    if (o.name !== '--match-set' && o.name !== '--set') unknownOpt(o);
    const dirs = arg(o, 1).split(',');
    if (!dirs.every((d) => d === 'src' || d === 'dst')) throw new Unsupported(`bad set directions ${arg(o, 1)}`);
    out.push({ kind: 'ipset', name: arg(o, 0), dirs: dirs as ('src' | 'dst')[], negate: o.negated });
  }
  return out;
}

/** xt_pkttype's `unicast` is the kernel's PACKET_HOST, which nft names `host`; the other names are the same in both. */
const pktType = (name: string): string => (name.toLowerCase() === 'unicast' ? 'host' : name.toLowerCase());

function multiport(opts: Opt[], ctx: MatchCtx): Expr[] {
  const proto = ctx.proto === 'tcp' || ctx.proto === 'udp' || ctx.proto === 'sctp' ? ctx.proto : 'th';
  return opts.map((o) => {
    const field = o.name === '--dports' || o.name === '--destination-ports' ? 'dport' : o.name === '--sports' || o.name === '--source-ports' ? 'sport' : undefined;
    // --ports matches source OR destination port: the model has no "or" inside a rule.
    if (!field) return unknownOpt(o);
    const elements = arg(o).split(',').map(portValue);
    return match(payloadSel(proto, field), eq(o), { kind: 'set', elements });
  });
}

const PHYSDEV_FLAG: Readonly<Record<string, string>> = {
  '--physdev-is-in': 'physdev-is-in',
  '--physdev-is-out': 'physdev-is-out',
  '--physdev-is-bridged': 'physdev-is-bridged',
};

function physdev(opts: Opt[]): Expr[] {
  return opts.map((o) => {
    if (o.name === '--physdev-in' || o.name === '--physdev-out')
      return match(metaSel(o.name.slice(2)), eq(o), { kind: 'string', value: ifname(arg(o)) });
    const flag = lookup(PHYSDEV_FLAG, o.name);
    if (!flag) return unknownOpt(o);
    return match(metaSel(flag), eq(o), int(1));
  });
}

/** iptables `eth+` wildcard → nft `eth*`. */
export function ifname(s: string): string {
  return s.endsWith('+') ? `${s.slice(0, -1)}*` : s;
}

function icmp(opts: Opt[], v6: boolean): Expr[] {
  const protocol = v6 ? 'icmpv6' : 'icmp';
  return opts.flatMap((o): Expr[] => {
    if (o.name !== (v6 ? '--icmpv6-type' : '--icmp-type')) return unknownOpt(o);
    const t = arg(o);
    if (t === 'any') return o.negated ? unknownOpt(o) : [];
    const m = /^(\d+)(?:\/(\d+))?$/.exec(t);
    if (!m) return [match(payloadSel(protocol, 'type'), eq(o), sym(t))];
    const type = match(payloadSel(protocol, 'type'), eq(o), int(Number(m[1])));
    if (m[2] === undefined) return [type];
    if (o.negated) throw new Unsupported('inverted icmp type/code');
    return [type, match(payloadSel(protocol, 'code'), '==', int(Number(m[2])))];
  });
}

function socket(opts: Opt[]): Expr[] {
  const out: Expr[] = [sharedExpr('socket exists', () => match({ kind: 'socket', key: 'exists' }, '==', int(1)))];
  for (const o of opts) {
    if (o.name === '--transparent') out.push(match({ kind: 'socket', key: 'transparent' }, '==', int(1)));
    // Cilium's proxy redirect: only sockets bound to a specific address count (nft `socket wildcard 0`).
    else if (o.name === '--nowildcard') out.push(match({ kind: 'socket', key: 'wildcard' }, '==', int(0)));
    // --restore-skmark copies the socket's mark onto the packet: not modelled.
    else unknownOpt(o);
  }
  return out;
}

function owner(opts: Opt[]): Expr[] {
  return opts.map((o) => {
    const key = o.name === '--uid-owner' ? 'skuid' : o.name === '--gid-owner' ? 'skgid' : undefined;
    if (!key) return unknownOpt(o);
    const v = arg(o);
    if (!/^\d+(-\d+)?$/.test(v)) throw new Unsupported(`owner by name ${v}`);
    const [a, b] = v.split('-').map(Number);
    const right: Value = b === undefined ? int(a!) : { kind: 'range', from: int(a!), to: int(b) };
    return match(metaSel(key), eq(o), right);
  });
}

function rpfilter(opts: Opt[]): Expr[] {
  const flags: ('saddr' | 'mark' | 'iif')[] = ['saddr'];
  let invert = false;
  let loose = false;
  for (const o of opts) {
    if (o.name === '--invert') invert = true;
    else if (o.name === '--validmark') flags.push('mark');
    else if (o.name === '--loose') loose = true;
    else unknownOpt(o); // --accept-local changes the meaning of a local source
  }
  if (!loose) flags.push('iif');
  return [match({ kind: 'fib', flags, result: 'oif' }, invert ? '==' : '!=', sym('missing'))];
}

function iprange(opts: Opt[]): Expr[] {
  return opts.map((o) => {
    const field = o.name === '--src-range' ? 'saddr' : o.name === '--dst-range' ? 'daddr' : undefined;
    if (!field) return unknownOpt(o);
    const [a, b] = arg(o).split('-');
    const from = addrValue(a ?? '');
    const to = addrValue(b ?? '');
    if (from.kind !== 'addr' || to.kind !== 'addr') throw new Unsupported('bad iprange');
    return match(payloadSel(from.value.includes(':') ? 'ip6' : 'ip', field), eq(o), { kind: 'range', from, to });
  });
}

/** Match modules that never change the path, with the reason given to the user. */
const ALWAYS: Readonly<Record<string, string>> = {
  nfacct: 'accounting only: nfacct counts packets and always matches',
  limit:
    'rate limit: matches until the rate is exceeded; one traced packet is within any limit, so it is treated as matching',
  hashlimit:
    'rate limit per flow: matches until the rate is exceeded; one traced packet is within any limit, so it is treated as matching',
};

/** Module name → translator. Modules not listed are kept verbatim as unknown-match. */
export const MATCHES: Readonly<Record<string, Translator>> = {
  tcp: (o, c) => l4(o, c, 'tcp'),
  udp: (o, c) => l4(o, c, 'udp'),
  sctp: (o, c) => l4(o, c, 'sctp'),
  dccp: (o, c) => l4(o, c, 'dccp'),
  comment: (opts, ctx) => {
    for (const o of opts) {
      if (o.name !== '--comment') unknownOpt(o);
      ctx.setComment(o.args.length === 1 ? o.args[0]!.value : o.args.map((a) => a.value).join(' '), o.args.length);
    }
    return [];
  },
  conntrack: (o) => conntrack(o),
  state: (o) => conntrack(o),
  addrtype: (o) => addrtype(o),
  mark: (opts) => opts.map((o) => (o.name === '--mark' ? markMatch(o, 'meta') : unknownOpt(o))),
  connmark: (opts) => opts.map((o) => (o.name === '--mark' ? markMatch(o, 'ct') : unknownOpt(o))),
  statistic: (o) => statistic(o),
  recent: (o) => recent(o),
  set: (o) => ipset(o),
  multiport: (o, c) => multiport(o, c),
  physdev: (o) => physdev(o),
  mac: (opts) =>
    opts.map((o) => (o.name === '--mac-source' ? match(payloadSel('ether', 'saddr'), eq(o), { kind: 'string', value: arg(o).toLowerCase() }) : unknownOpt(o))),
  icmp: (o) => icmp(o, false),
  icmp6: (o) => icmp(o, true),
  socket: (o) => socket(o),
  owner: (o) => owner(o),
  pkttype: (opts) => opts.map((o) => (o.name === '--pkt-type' ? match(metaSel('pkttype'), eq(o), sym(pktType(arg(o)))) : unknownOpt(o))),
  rpfilter: (o) => rpfilter(o),
  iprange: (o) => iprange(o),
  helper: (opts) => opts.map((o) => (o.name === '--helper' ? match(ctSel('helper'), eq(o), { kind: 'string', value: arg(o) }) : unknownOpt(o))),
};

/** The `always` expression for a path-neutral module, or undefined. */
export function alwaysMatch(name: string, text: string): Expr | undefined {
  const reason = lookup(ALWAYS, name);
  return reason === undefined ? undefined : { kind: 'always', text, reason };
}
