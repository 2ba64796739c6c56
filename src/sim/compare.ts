/**
 * Compares what a selector read (SV) with a rule's right-hand side (Value), as nf_tables' cmp, range,
 * lookup and bitwise expressions do. `undefined` = cannot tell (an unknown named set): uncertain.
 */
import type { CmpOp, MapElement, NfSet, SetElement, Table, Value } from '../model/netfilter.js';
import type { SV } from './selector.js';
import { addrToBigInt, inPrefix, isIp, sameAddr } from '../util/addr.js';
import { protoNumber } from './packet.js';
import { indexOf, svKeys } from './set-index.js';

export function compare(sv: SV, op: CmpOp, right: Value, table: Table): boolean | undefined {
  // A missing header (tcp dport of a UDP packet) makes the whole rule fail, whatever the operator.
  if (sv === null) return false;
  if (isUnread(sv)) return undefined;
  if (op === '<' || op === '>' || op === '<=' || op === '>=') {
    const a = toNumber(sv);
    const b = right.kind === 'int' ? right.value : undefined;
    if (a === undefined || b === undefined) return undefined;
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  const hit = contains(sv, right, table);
  if (hit === undefined) return undefined;
  return op === '!=' ? !hit : hit;
}

/** Equality / membership: with a set, prefix or range on the right, "is in". */
export function contains(sv: SV, right: Value, table: Table): boolean | undefined {
  switch (right.kind) {
    case 'set': {
      let unsure = false;
      for (const el of right.elements) {
        const r = contains(sv, el, table);
        if (r === true) return true;
        if (r === undefined) unsure = true;
      }
      return unsure ? undefined : false;
    }
    case 'setref': {
      const set = findSet(table, right.name);
      if (!set) return undefined;
      const { element, unsure } = firstContaining(sv, set.elements, table);
      return element !== undefined ? true : unsure ? undefined : false;
    }
    default:
      return equals(sv, right);
  }
}

const isUnread = (sv: SV): sv is { unread: string } => typeof sv === 'object' && sv !== null && 'unread' in sv;

function equals(sv: SV, v: Value): boolean | undefined {
  if (sv === null) return false;
  if (isUnread(sv)) return undefined;
  if (typeof sv === 'object' && 'flags' in sv) {
    const want = v.kind === 'symbol' || v.kind === 'string' ? [v.value] : v.kind === 'set' ? v.elements.map((e) => ('value' in e ? String(e.value) : '')) : [];
    return want.some((w) => sv.flags.includes(w.toLowerCase()));
  }
  if (typeof sv === 'object' && 'concat' in sv) {
    if (v.kind !== 'concat' || v.parts.length !== sv.concat.length) return false;
    // One part that differs settles it, even beside a part that cannot be compared.
    let unsure = false;
    for (let i = 0; i < v.parts.length; i++) {
      const r = equals(sv.concat[i]!, v.parts[i]!);
      if (r === false) return false;
      if (r === undefined) unsure = true;
    }
    return unsure ? undefined : true;
  }
  switch (v.kind) {
    case 'int':
      return toNumber(sv) === v.value;
    case 'string':
      return typeof sv === 'string' && matchName(sv, v.value);
    case 'addr':
      return typeof sv === 'string' && isIp(sv) && sameAddr(sv, v.value);
    case 'prefix':
      if (typeof sv !== 'string' || !isIp(sv)) return false;
      if (v.len === (v.addr.includes(':') ? 128 : 32)) return sameAddr(sv, v.addr);
      return inPrefix(sv, `${v.addr}/${v.len}`);
    case 'range':
      return inRange(sv, v.from, v.to);
    case 'symbol':
      return symbolEquals(sv, v.value);
    case 'set':
    case 'setref':
      return undefined;
    case 'concat':
      return false;
  }
}

/** Interface names: a trailing `*` is a prefix wildcard (iptables `veth+`). */
function matchName(actual: string, pattern: string): boolean {
  if (pattern.endsWith('*')) return actual.startsWith(pattern.slice(0, -1));
  return actual === pattern;
}

function symbolEquals(sv: number | string, sym: string): boolean {
  const s = sym.toLowerCase();
  if (s === 'missing') return sv === '';
  if (s === 'exists') return sv !== '';
  const n = protoNumber(s);
  if (typeof sv === 'number') return n !== undefined ? n === sv : String(sv) === s;
  return sv.toLowerCase() === s || (n !== undefined && protoNumber(sv) === n);
}

function inRange(sv: number | string, from: Value, to: Value): boolean | undefined {
  if (typeof sv === 'number' && from.kind === 'int' && to.kind === 'int') return sv >= from.value && sv <= to.value;
  if (typeof sv === 'string' && isIp(sv) && from.kind === 'addr' && to.kind === 'addr') {
    const n = addrToBigInt(sv);
    return n >= addrToBigInt(from.value) && n <= addrToBigInt(to.value);
  }
  return undefined;
}

function toNumber(sv: SV): number | undefined {
  if (typeof sv === 'number') return sv;
  if (typeof sv === 'string') return protoNumber(sv);
  return undefined;
}

export function findSet(table: Table, name: string): NfSet | undefined {
  const n = name.replace(/^@/, '');
  return table.sets.find((s) => s.name === n);
}

/** Looks a key up in a map (vmap or data map): the first element whose key contains it. */
export function lookupMap(sv: SV, elements: MapElement[], table: Table): { element?: MapElement; unsure: boolean } {
  return firstContaining(sv, elements, table);
}

/**
 * The first element (in dump order) whose key contains `sv`, and whether an element before it could not be decided.
 * Exact keys come from the set's index (set-index.ts); only the elements that are not one exact value are scanned.
 */
function firstContaining<E extends SetElement | MapElement>(sv: SV, elements: readonly E[], table: Table): { element?: E; unsure: boolean } {
  const keys = svKeys(sv);
  let unsure = false;
  if (keys === undefined) {
    for (const el of elements) {
      const r = contains(sv, el.key, table);
      if (r === true) return { element: el, unsure };
      if (r === undefined) unsure = true;
    }
    return { unsure };
  }
  const idx = indexOf(elements);
  let best = Infinity;
  for (const k of keys) best = Math.min(best, idx.exact.get(k) ?? Infinity);
  for (const i of idx.rest) {
    if (i > best) break;
    const r = contains(sv, elements[i]!.key, table);
    if (r === true) return { element: elements[i]!, unsure };
    if (r === undefined) unsure = true;
  }
  return best === Infinity ? { unsure } : { element: elements[best]!, unsure };
}
