/**
 * libnftables JSON expressions (the `expr` array of a rule, set elements) → model selectors, values,
 * matches and statements. Shapes were taken from kernel dumps made on this machine
 * (test/fixtures/netfilter/*.nft.json). An expression this file does not know throws Unsupported; the rule
 * parser keeps it verbatim as unknown-match / unknown-statement.
 */
import type { CmpOp, Expr, MapElement, MapRef, NatStatement, PayloadProtocol, Selector, Value, VerdictStatement } from '../../model/netfilter.js';
import { chainVerdict, ctSel, intVal, metaSel, payloadSel, plainVerdict, symVal } from './intern.js';
import { TCP_FLAGS, Unsupported, canonicalAddr, lookup, not32 } from './values.js';

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The single key of `{key: body}` objects, which is how libnftables tags every expression. */
export function tagOf(v: Json): [string, Json] | undefined {
  const k = tagKey(v);
  return k === undefined ? undefined : [k, (v as Obj)[k]];
}

/** The tag alone (no tuple: this runs for every expression of a dump). */
export function tagKey(v: Json): string | undefined {
  if (!isObj(v)) return undefined;
  let key: string | undefined;
  // JSON.parse makes plain objects: for-in sees exactly their own keys, without building an array.
  for (const k in v) {
    if (key !== undefined) return undefined;
    key = k;
  }
  return key;
}
const str = (v: Json, what: string): string => {
  if (typeof v !== 'string') throw new Unsupported(`${what}: expected a string`);
  return v;
};
const num = (v: Json, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Unsupported(`${what}: expected a number`);
  return v;
};

const PAYLOAD_PROTOCOLS = new Set<PayloadProtocol>(['ip', 'ip6', 'tcp', 'udp', 'sctp', 'th', 'icmp', 'icmpv6', 'ether', 'arp', 'vlan']);
const OPS = new Set<CmpOp>(['==', '!=', '<', '>', '<=', '>=', 'in']);

/**
 * How deep selectors (bitwise operations, concatenations) and values (sets, ranges, elements) may nest. nft writes a few levels at
 * most; a deeper one is hostile input, kept as unknown at a fixed depth instead of wherever the stack ends.
 */
const MAX_NESTING = 32;

/** The left side of a match / key of a vmap, map or set statement. */
export function selector(v: Json, depth = 0): Selector {
  if (depth > MAX_NESTING) throw new Unsupported(`expression nested more than ${MAX_NESTING} levels`);
  const t = tagOf(v);
  if (!t) throw new Unsupported('unrecognised expression');
  const [tag, body] = t;
  switch (tag) {
    case 'payload': {
      if (!isObj(body) || body.protocol === undefined) throw new Unsupported('raw payload expression');
      const protocol = str(body.protocol, 'payload protocol') as PayloadProtocol;
      if (!PAYLOAD_PROTOCOLS.has(protocol)) throw new Unsupported(`payload protocol ${protocol}`);
      return payloadSel(protocol, str(body.field, 'payload field'));
    }
    case 'meta':
      if (!isObj(body)) throw new Unsupported('meta');
      return metaSel(str(body.key, 'meta key'));
    case 'ct': {
      if (!isObj(body)) throw new Unsupported('ct');
      return ctSel(str(body.key, 'ct key'), body.dir === 'original' || body.dir === 'reply' ? body.dir : undefined);
    }
    case 'fib': {
      if (!isObj(body)) throw new Unsupported('fib');
      const flags = (Array.isArray(body.flags) ? body.flags : [body.flags]).map((f) => str(f, 'fib flag'));
      const result = str(body.result, 'fib result');
      if (result !== 'type' && result !== 'oif' && result !== 'oifname') throw new Unsupported(`fib result ${result}`);
      if (!flags.every((f) => ['saddr', 'daddr', 'mark', 'iif', 'oif'].includes(f))) throw new Unsupported('fib flags');
      return { kind: 'fib', flags: flags as ('saddr' | 'daddr' | 'mark' | 'iif' | 'oif')[], result };
    }
    case 'numgen': {
      if (!isObj(body)) throw new Unsupported('numgen');
      const mode = str(body.mode, 'numgen mode');
      if (mode !== 'random' && mode !== 'inc') throw new Unsupported(`numgen mode ${mode}`);
      return { kind: 'numgen', mode, mod: num(body.mod, 'numgen mod'), offset: typeof body.offset === 'number' ? body.offset : 0 };
    }
    case 'concat':
      if (!Array.isArray(body)) throw new Unsupported('concat');
      return { kind: 'concat', parts: body.map((part) => selector(part, depth + 1)) };
    case '&':
    case '|':
    case '^': {
      if (!Array.isArray(body) || body.length !== 2) throw new Unsupported(`binary ${tag}`);
      const left = selector(body[0], depth + 1);
      return { kind: 'bitwise', op: tag, left, right: bitsOf(body[1], left) };
    }
    case 'socket':
      if (!isObj(body)) throw new Unsupported('socket');
      return { kind: 'socket', key: str(body.key, 'socket key') };
    case 'rt':
      if (!isObj(body)) throw new Unsupported('rt');
      return { kind: 'rt', key: str(body.key, 'rt key') };
    default:
      throw new Unsupported(`expression "${tag}" is not modelled`);
  }
}

/** A bit mask: a number, a flag name or a list of flag names (tcp flags, ct state). */
function bitsOf(v: Json, left: Selector): number {
  if (typeof v === 'number') return v >>> 0;
  const names = Array.isArray(v) ? v : [v];
  if (left.kind === 'payload' && left.field === 'flags') {
    let bits = 0;
    for (const n of names) {
      const b = lookup(TCP_FLAGS, str(n, 'tcp flag'));
      if (b === undefined) throw new Unsupported(`tcp flag ${String(n)}`);
      bits |= b;
    }
    return bits;
  }
  throw new Unsupported('symbolic bit mask');
}

/** Keys whose values are names, not symbols or addresses. */
function isStringKey(s: Selector | undefined): boolean {
  if (!s) return false;
  if (s.kind === 'meta') return /^(iif|oif)name$|^(ibr|obr)name$|^(iif|oif)kind$|^physdev-(in|out)$/.test(s.key);
  if (s.kind === 'ct') return s.key === 'helper';
  if (s.kind === 'payload') return s.protocol === 'ether' && (s.field === 'saddr' || s.field === 'daddr');
  if (s.kind === 'fib') return s.result === 'oifname';
  return false;
}

const FLAG_KEYS = new Set(['state', 'status']);
const isFlagKey = (s: Selector | undefined): boolean => s?.kind === 'ct' && FLAG_KEYS.has(s.key);

/** A right-hand value, read in the context of the selector it is compared with. */
export function value(v: Json, ctx?: Selector, depth = 0): Value {
  if (depth > MAX_NESTING) throw new Unsupported(`value nested more than ${MAX_NESTING} levels`);
  if (typeof v === 'number') return intVal(v);
  if (typeof v === 'boolean') return symVal(v ? 'exists' : 'missing');
  if (typeof v === 'string') return scalar(v, ctx);
  if (Array.isArray(v)) return { kind: 'set', elements: v.map((x) => value(x, ctx, depth + 1)) };
  const t = tagOf(v);
  if (!t) throw new Unsupported('unrecognised value');
  const [tag, body] = t;
  switch (tag) {
    case 'set':
      if (!Array.isArray(body)) return { kind: 'set', elements: [value(body, ctx, depth + 1)] };
      return { kind: 'set', elements: body.map((x) => value(x, ctx, depth + 1)) };
    case 'prefix': {
      if (!isObj(body)) throw new Unsupported('prefix');
      const addr = canonicalAddr(str(body.addr, 'prefix addr'));
      if (addr === undefined) throw new Unsupported('prefix of a non-address');
      return { kind: 'prefix', addr, len: num(body.len, 'prefix len') };
    }
    case 'range':
      if (!Array.isArray(body) || body.length !== 2) throw new Unsupported('range');
      return { kind: 'range', from: value(body[0], ctx, depth + 1), to: value(body[1], ctx, depth + 1) };
    case 'concat': {
      if (!Array.isArray(body)) throw new Unsupported('concat');
      const parts = ctx?.kind === 'concat' ? ctx.parts : [];
      return { kind: 'concat', parts: body.map((x, i) => value(x, parts[i], depth + 1)) };
    }
    case 'elem':
      if (!isObj(body)) throw new Unsupported('elem');
      return value(body.val, ctx, depth + 1);
    default:
      throw new Unsupported(`value "${tag}" is not modelled`);
  }
}

function scalar(s: string, ctx?: Selector): Value {
  if (s.startsWith('@')) return { kind: 'setref', name: s.slice(1) };
  if (isStringKey(ctx)) return { kind: 'string', value: s };
  if (ctx?.kind === 'bitwise' && ctx.left.kind === 'payload' && ctx.left.field === 'flags') {
    const b = lookup(TCP_FLAGS, s);
    if (b !== undefined) return { kind: 'int', value: b };
  }
  const a = canonicalAddr(s);
  if (a !== undefined) return { kind: 'addr', value: a };
  return symVal(s);
}

/** `{"match": {op, left, right}}` → a match expression. */
export function matchExpr(body: Json): Expr {
  if (!isObj(body)) throw new Unsupported('match');
  const op = str(body.op, 'match op');
  if (op === '!') return noFlagOf(selector(body.left), body.right);
  if (!OPS.has(op as CmpOp)) throw new Unsupported(`operator ${op}`);
  const left = selector(body.left);
  // A bare list on the right of `tcp flags` is one value, the flags OR-ed (`tcp flags & (syn|ack) == syn|ack`), not a
  // set (a set is `{"set": [...]}`); with `in` it is nft's flag test, true when any of them is set (`tcp flags syn,rst`).
  const flags = tcpFlagsOf(left);
  if (flags && Array.isArray(body.right)) {
    const bits = bitsOf(body.right, flags);
    if (op === 'in') return maskTest(left, bits, '!=');
    return { kind: 'match', left, op: op as CmpOp, right: { kind: 'int', value: bits } };
  }
  let right = value(body.right, left);
  // Flag tests always carry a set on the right (see CmpOp): `ct state new` → in { new }.
  if (isFlagKey(left) && right.kind === 'symbol') right = { kind: 'set', elements: [right] };
  return { kind: 'match', left, op: op as CmpOp, right };
}

/** `left & bits == 0` (none of the bits set) or `!= 0` (any of them). */
const maskTest = (left: Selector, bits: number, op: '==' | '!='): Expr => ({ kind: 'match', left: { kind: 'bitwise', op: '&', left, right: bits }, op, right: { kind: 'int', value: 0 } });

/** The `tcp flags` selector a match reads, alone or under a bit mask. */
function tcpFlagsOf(left: Selector): Selector | undefined {
  const inner = left.kind === 'bitwise' ? left.left : left;
  return inner.kind === 'payload' && inner.protocol === 'tcp' && inner.field === 'flags' ? inner : undefined;
}

/** nft's `!` flag test (`tcp flags ! syn,ack`, `ct state ! established,related`): none of the flags is set. */
function noFlagOf(left: Selector, right: Json): Expr {
  if (left.kind === 'payload' && left.field === 'flags') return maskTest(left, bitsOf(right, left), '==');
  const flags = value(right, left);
  if (!isFlagKey(left)) throw new Unsupported('operator ! on a selector without flags');
  return { kind: 'match', left, op: '!=', right: flags.kind === 'set' ? flags : { kind: 'set', elements: [flags] } };
}

/** A verdict object (`{"accept": null}`, `{"goto": {"target": …}}`), or undefined. */
function verdict(v: Json): VerdictStatement | undefined {
  const tag = tagKey(v);
  return tag === undefined ? undefined : taggedVerdict(tag, (v as Obj)[tag]);
}

/** The verdict for an already split `{tag: body}`, or undefined. */
export function taggedVerdict(tag: string, body: Json): VerdictStatement | undefined {
  switch (tag) {
    case 'accept': case 'drop': case 'continue': case 'return': case 'queue':
      return plainVerdict(tag);
    case 'jump': case 'goto':
      if (!isObj(body)) return undefined;
      return chainVerdict(tag, str(body.target, `${tag} target`));
    default:
      return undefined;
  }
}

/** Inline `{set: [[key, data], …]}` or `@name` → a map reference. */
export function mapRef(v: Json, key: Selector, verdicts: boolean): MapRef {
  if (typeof v === 'string' && v.startsWith('@')) return { kind: 'ref', name: v.slice(1) };
  const t = tagOf(v);
  if (!t || t[0] !== 'set' || !Array.isArray(t[1])) throw new Unsupported('map data');
  return { kind: 'inline', elements: t[1].map((pair) => mapElement(pair, key, verdicts)) };
}

/** `[key, data]` of a map or vmap. */
export function mapElement(pair: Json, key: Selector | undefined, verdicts: boolean, dataCtx?: Selector): MapElement {
  if (!Array.isArray(pair) || pair.length !== 2) throw new Unsupported('map element');
  const el: MapElement = { key: value(pair[0], key), value: { kind: 'symbol', value: '' } };
  const c = elemComment(pair[0]);
  if (c !== undefined) el.comment = c;
  if (verdicts) {
    const vd = verdict(pair[1]);
    if (!vd) throw new Unsupported('vmap element without a verdict');
    el.value = vd;
  } else el.value = value(pair[1], dataCtx);
  return el;
}

/** The comment of `{"elem": {"val": …, "comment": …}}`. */
export function elemComment(v: Json): string | undefined {
  const t = tagOf(v);
  if (t && t[0] === 'elem' && isObj(t[1]) && typeof t[1].comment === 'string') return t[1].comment;
  return undefined;
}

/** mark/ct mark `mangle` value → the kernel's (x & and) ^ xor form, or a copy from the other mark. */
export function mangleMark(target: 'meta' | 'ct', v: Json): Expr {
  if (typeof v === 'number') return { kind: 'mark', target, and: 0, xor: v >>> 0 };
  const sel = selector(v);
  const other: 'meta' | 'ct' = target === 'meta' ? 'ct' : 'meta';
  const isMark = (s: Selector, who: 'meta' | 'ct'): boolean => (who === 'meta' ? s.kind === 'meta' && s.key === 'mark' : s.kind === 'ct' && s.key === 'mark' && !s.dir);
  const fold = (s: Selector): { and: number; xor: number } | undefined => {
    if (isMark(s, target)) return { and: 0xffffffff, xor: 0 };
    if (s.kind !== 'bitwise') return undefined;
    const inner = fold(s.left);
    if (!inner) return undefined;
    const c = s.right >>> 0;
    if (s.op === '&') return { and: (inner.and & c) >>> 0, xor: (inner.xor & c) >>> 0 };
    if (s.op === '|') return { and: (inner.and & not32(c)) >>> 0, xor: (inner.xor | c) >>> 0 };
    return { and: inner.and, xor: (inner.xor ^ c) >>> 0 };
  };
  const f = fold(sel);
  if (f) return { kind: 'mark', target, ...f };
  // `meta mark set ct mark` / `ct mark set meta mark & 0xff`: the whole target is replaced.
  if (isMark(sel, other)) return { kind: 'mark-copy', from: other, to: target, mask: 0xffffffff };
  if (sel.kind === 'bitwise' && sel.op === '&' && isMark(sel.left, other))
    return { kind: 'mark-copy', from: other, to: target, mask: 0xffffffff, fromMask: sel.right >>> 0 };
  throw new Unsupported(`${target} mark set to an expression that is not modelled`);
}

/** dnat/snat/masquerade/redirect bodies. */
export function natStatement(type: NatStatement['type'], body: Json): NatStatement {
  const st: NatStatement = { kind: 'nat', type };
  if (body === null || body === undefined) return st;
  if (!isObj(body)) throw new Unsupported(`${type} body`);
  if (body.family === 'ip' || body.family === 'ip6') st.family = body.family;
  if (body.addr !== undefined) {
    const a = body.addr;
    if (typeof a === 'string') {
      const c = canonicalAddr(a);
      if (c === undefined) throw new Unsupported(`${type} to ${a}`);
      st.addr = c;
    } else {
      const t = tagOf(a);
      if (t && t[0] === 'map' && isObj(t[1])) {
        const key = selector(t[1].key);
        st.addrMap = { key, map: mapRef(t[1].data, key, false) };
      } else if (t && t[0] === 'range' && Array.isArray(t[1])) {
        const from = canonicalAddr(str(t[1][0], 'range'));
        const to = canonicalAddr(str(t[1][1], 'range'));
        if (!from || !to) throw new Unsupported('address range');
        st.addr = from;
        st.addrTo = to;
      } else throw new Unsupported(`${type} address expression`);
    }
  }
  if (body.port !== undefined) {
    const p = body.port;
    if (typeof p === 'number') st.port = p;
    else {
      const t = tagOf(p);
      if (!t || t[0] !== 'range' || !Array.isArray(t[1])) throw new Unsupported(`${type} port expression`);
      st.port = num(t[1][0], 'port');
      st.portTo = num(t[1][1], 'port');
    }
  }
  if (body.flags !== undefined) {
    const flags = (Array.isArray(body.flags) ? body.flags : [body.flags]).map((f) => str(f, 'nat flag'));
    if (flags.length > 0) st.flags = flags;
  }
  return st;
}
