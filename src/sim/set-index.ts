/**
 * Exact-key index over a set's or map's elements, so a lookup in kube-proxy's 10,000-element `service-ips` map is a
 * hash probe instead of a scan. Only elements whose key is one exact value (an address, a number, a protocol, a
 * name without wildcard, or a concatenation of those) are indexed; prefixes, ranges and wildcards stay in order in a
 * remainder that is still scanned. The answer is the same as the scan's: the first element (in dump order) whose key
 * contains the value — an indexed hit only wins when no earlier remainder element matches.
 */
import type { MapElement, SetElement, Value } from '../model/netfilter.js';
import type { SV } from './selector.js';
import { addrKey, isIp } from '../util/addr.js';
import { protoNumber } from './packet.js';

type Element = SetElement | MapElement;

export interface SetIndex {
  /** Key → position of the first element with that exact key. */
  exact: Map<string, number>;
  /** Positions of the elements that are not one exact value, ascending. */
  rest: number[];
}

const cache = new WeakMap<readonly Element[], SetIndex>();

/** The index of `elements`, built on first use (elements are read-only once parsed). */
export function indexOf(elements: readonly Element[]): SetIndex {
  let idx = cache.get(elements);
  if (idx) return idx;
  idx = { exact: new Map(), rest: [] };
  elements.forEach((el, i) => {
    const k = valueKey(el.key);
    if (k === undefined) idx!.rest.push(i);
    else if (!idx!.exact.has(k)) idx!.exact.set(k, i);
  });
  cache.set(elements, idx);
  return idx;
}

/** The keys the selector value would equal, one per reading of it (a string may be an address, a protocol, a name). */
export function svKeys(sv: SV): string[] | undefined {
  if (sv === null) return [];
  if (typeof sv === 'number') return [`n:${sv}`];
  if (typeof sv === 'string') {
    const keys = [`s:${sv}`];
    if (isIp(sv)) keys.push(`a:${addrKey(sv)}`);
    const proto = protoNumber(sv);
    if (proto !== undefined) keys.push(`n:${proto}`);
    return keys;
  }
  if ('concat' in sv) {
    let out = [''];
    for (const part of sv.concat) {
      const keys = svKeys(part);
      if (keys === undefined) return undefined;
      out = out.flatMap((prefix) => keys.map((k) => (prefix === '' ? k : `${prefix}|${k}`)));
    }
    return out.map((k) => `c${sv.concat.length}:${k}`);
  }
  return undefined; // flag sets (ct state …) compare by membership: no exact key
}

/** An element key's exact form, or undefined when it covers more than one value or compares loosely. */
function valueKey(v: Value): string | undefined {
  switch (v.kind) {
    case 'addr':
      return `a:${addrKey(v.value)}`;
    case 'prefix':
      return v.len === (v.addr.includes(':') ? 128 : 32) ? `a:${addrKey(v.addr)}` : undefined;
    case 'int':
      return `n:${v.value}`;
    case 'symbol': {
      const proto = protoNumber(v.value);
      return proto !== undefined ? `n:${proto}` : undefined;
    }
    case 'string':
      return v.value.endsWith('*') ? undefined : `s:${v.value}`;
    case 'concat': {
      const parts = v.parts.map(valueKey);
      return parts.every((p) => p !== undefined) ? `c${parts.length}:${parts.join('|')}` : undefined;
    }
    default:
      return undefined;
  }
}
