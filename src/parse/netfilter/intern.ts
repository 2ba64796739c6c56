/**
 * Shared, frozen instances of model values that repeat across thousands of rules (a 10,000-service
 * kube-proxy dump says `meta l4proto tcp`, `ip daddr`, `ct state new`, `accept` ~100k times). One instance per
 * distinct value keeps the model small and the parse out of the garbage collector.
 *
 * Every object handed out here is deeply frozen: a consumer that tried to change one would change it for
 * every rule, so it throws instead (ESM code is strict). The model is read-only by contract (src/sim only
 * reads it). Caches are bounded: past CAP entries a value is built fresh (still frozen), never evicted.
 */
import type { Expr, PayloadProtocol, Selector, Value, VerdictStatement } from '../../model/netfilter.js';

const CAP = 4096;

/** Freezes `o` and every object/array reachable from it; returns it. */
export function deepFreeze<T>(o: T): T {
  if (typeof o !== 'object' || o === null || Object.isFrozen(o)) return o;
  for (const v of Object.values(o)) deepFreeze(v);
  return Object.freeze(o);
}

/** `cache.get(key)`, or the frozen result of `make()` remembered under `key` while the cache has room. */
function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const v = deepFreeze(make());
  if (cache.size < CAP) cache.set(key, v);
  return v;
}

const payloads = new Map<string, Selector>();
/** `{kind:'payload', protocol, field}`, shared. */
export function payloadSel(protocol: PayloadProtocol, field: string): Selector {
  return cached(payloads, `${protocol} ${field}`, () => ({ kind: 'payload', protocol, field }));
}

const metas = new Map<string, Selector>();
/** `{kind:'meta', key}`, shared. */
export function metaSel(key: string): Selector {
  return cached(metas, key, () => ({ kind: 'meta', key }));
}

const cts = new Map<string, Selector>();
/** `{kind:'ct', key, dir?}`, shared. */
export function ctSel(key: string, dir?: 'original' | 'reply'): Selector {
  return cached(cts, dir === undefined ? key : `${key} ${dir}`, () => (dir === undefined ? { kind: 'ct', key } : { kind: 'ct', key, dir }));
}

const symbols = new Map<string, Value>();
/** `{kind:'symbol', value}`, shared. */
export function symVal(value: string): Value {
  return cached(symbols, value, () => ({ kind: 'symbol', value }));
}

const symbolSets = new Map<string, Value>();
/** `{kind:'set', elements: symbols}` for a list of symbol names (ct state/status flags), shared. */
export function symSetVal(names: readonly string[]): Value {
  return cached(symbolSets, names.join(','), () => ({ kind: 'set', elements: names.map(symVal) }));
}

const SMALL_INTS: (Value | undefined)[] = [];
/** `{kind:'int', value}`: ports, marks, protocol numbers; 0..65535 shared. */
export function intVal(value: number): Value {
  if (!(Number.isInteger(value) && value >= 0 && value <= 65535)) return Object.freeze({ kind: 'int', value });
  return (SMALL_INTS[value] ??= Object.freeze({ kind: 'int', value }));
}

const exprs = new Map<string, Expr>();
/**
 * A shared expression made by `make` (a match with shared parts, a statistic probability …); `key` must
 * identify the whole expression (the caller knows which few words decide it, e.g. `l4proto == tcp`).
 */
export function sharedExpr(key: string, make: () => Expr): Expr {
  return cached(exprs, key, make);
}

const exprsBy = new Map<string, Map<string, Expr>>();
/**
 * sharedExpr keyed in two parts: `kind` a constant of the caller (`tcp dport ==`), `word` a word of the
 * input. Saves building a key string for every rule of a dump.
 */
export function sharedExprBy(kind: string, word: string, make: () => Expr): Expr {
  let m = exprsBy.get(kind);
  if (m === undefined) exprsBy.set(kind, (m = new Map()));
  return cached(m, word, make);
}

const VERDICTS = new Map<string, VerdictStatement>(
  (['accept', 'drop', 'continue', 'return', 'queue'] as const).map((v) => [v, Object.freeze({ kind: 'verdict' as const, verdict: v })]),
);
/** The shared `{kind:'verdict', verdict}` for verdicts without a target. */
export function plainVerdict(v: 'accept' | 'drop' | 'continue' | 'return' | 'queue'): VerdictStatement {
  return VERDICTS.get(v)!;
}

/** A frozen jump/goto verdict (callers share one per target chain). */
export function chainVerdict(verdict: 'jump' | 'goto', target: string): VerdictStatement {
  return Object.freeze({ kind: 'verdict', verdict, target });
}
