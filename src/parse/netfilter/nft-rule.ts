/**
 * One libnftables JSON rule expression (`rule.expr[i]`) → model expression. Unknown shapes are kept as
 * unknown-match (in match position) or unknown-statement, with the JSON as their text.
 */
import type { Expr } from '../../model/netfilter.js';
import { mangleMark, mapRef, matchExpr, natStatement, selector, tagOf, taggedVerdict, value } from './nft-expr.js';
import { Unsupported, lookup, show } from './values.js';

export interface ExprResult {
  expr: Expr;
  /** Set when the expression is an iptables-nft compat (`xt`) expression. */
  xt?: boolean;
  /** Set when the expression was kept as unknown: the reason, for a warning. */
  unknown?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** xt matches that never change the path (their options are invisible in JSON, but these have no effect). */
const XT_NEUTRAL: Readonly<Record<string, string>> = {
  comment: 'iptables comment: no effect on the path',
  nfacct: 'accounting only: nfacct counts packets and always matches',
};

/** Translates one element of a rule's `expr` array. Never throws. */
export function ruleExpr(e: unknown): ExprResult {
  const t = tagOf(e);
  if (!t) return unknown(jsonText(e), 'unrecognised expression', false);
  const [tag, body] = t;
  try {
    if (tag === 'xt') return xt(body, e);
    return { expr: statement(tag, body, e) };
  } catch (err) {
    // RangeError: an expression nested deeper than the stack (hostile input) is kept as unknown too.
    if (!(err instanceof Unsupported) && !(err instanceof RangeError)) throw err;
    return unknown(jsonText(e), err instanceof Unsupported ? err.message : 'expression nested too deeply', tag === 'match');
  }
}

/** The expression's JSON, the text of an unknown one; only built when needed (most expressions are known). */
function jsonText(e: unknown): string {
  try {
    return JSON.stringify(e) ?? 'null';
  } catch {
    return '(unprintable)';
  }
}

function unknown(text: string, reason: string, isMatch: boolean): ExprResult {
  return { expr: isMatch ? { kind: 'unknown-match', text, reason } : { kind: 'unknown-statement', text, reason }, unknown: reason };
}

function xt(body: unknown, e: unknown): ExprResult {
  const type = isObj(body) ? body.type : undefined;
  const name = isObj(body) && typeof body.name === 'string' ? body.name : '?';
  const text = isObj(body) && typeof body.name === 'string' ? `xt ${type === 'target' ? 'target' : 'match'} ${name}` : jsonText(e);
  const neutral = lookup(XT_NEUTRAL, name);
  if (type === 'match' && neutral) return { expr: { kind: 'always', text, reason: neutral }, xt: true };
  const reason = `iptables-nft compat expression (xt ${type === 'target' ? 'target' : 'match'} ${name}): nft's JSON does not carry its options; read this table from iptables-save`;
  const expr: Expr = type === 'target' ? { kind: 'unknown-statement', text, reason } : { kind: 'unknown-match', text, reason };
  return { expr, xt: true, unknown: reason };
}

const COUNTER: Expr = Object.freeze({ kind: 'counter' });

function statement(tag: string, body: unknown, e: unknown): Expr {
  const vd = taggedVerdict(tag, body);
  if (vd) return vd;
  switch (tag) {
    case 'match':
      return matchExpr(body);
    case 'counter':
      return COUNTER;
    case 'reject': {
      if (!isObj(body)) return { kind: 'reject' };
      const type = typeof body.type === 'string' ? body.type : undefined;
      const code = typeof body.expr === 'string' ? body.expr : undefined;
      const w = [type, code].filter(Boolean).join(' ');
      return w === '' ? { kind: 'reject' } : { kind: 'reject', with: w };
    }
    case 'vmap': {
      if (!isObj(body)) throw new Unsupported('vmap');
      const key = selector(body.key);
      return { kind: 'vmap', key, map: mapRef(body.data, key, true) };
    }
    case 'mangle':
      return mangle(body);
    case 'dnat': case 'snat': case 'masquerade': case 'redirect':
      return natStatement(tag, body);
    case 'set':
      return setUpdate(body);
    case 'log': {
      const prefix = isObj(body) && typeof body.prefix === 'string' ? body.prefix : undefined;
      return prefix === undefined ? { kind: 'log' } : { kind: 'log', prefix };
    }
    case 'limit':
      // A rate limit: one traced packet is always within it.
      return { kind: 'noop', text: limitText(body) ?? jsonText(e) };
    case 'notrack':
      return { kind: 'notrack' };
    case 'ct helper':
      if (typeof body !== 'string') throw new Unsupported('ct helper');
      return { kind: 'ct-set', key: 'helper', value: { kind: 'string', value: body } };
    case 'tproxy': {
      if (!isObj(body)) throw new Unsupported('tproxy');
      const st: Expr & { kind: 'tproxy' } = { kind: 'tproxy' };
      if (body.family === 'ip' || body.family === 'ip6') st.family = body.family;
      if (typeof body.addr === 'string') st.addr = body.addr;
      if (typeof body.port === 'number') st.port = body.port;
      return st;
    }
    default:
      throw new Unsupported(`statement "${tag}" is not modelled`);
  }
}

function mangle(body: unknown): Expr {
  if (!isObj(body)) throw new Unsupported('mangle');
  const key = selector(body.key);
  if (key.kind === 'meta' && key.key === 'mark') return mangleMark('meta', body.value);
  if (key.kind === 'ct' && key.key === 'mark' && !key.dir) return mangleMark('ct', body.value);
  if (key.kind === 'meta' && key.key === 'nftrace') return { kind: 'nftrace' };
  if (key.kind === 'ct' && (key.key === 'zone' || key.key === 'helper')) return { kind: 'ct-set', key: key.key, value: value(body.value, key) };
  throw new Unsupported(`setting ${key.kind} ${'key' in key ? key.key : ''} is not modelled`);
}

function setUpdate(body: unknown): Expr {
  if (!isObj(body)) throw new Unsupported('set statement');
  const op = body.op;
  if (op !== 'add' && op !== 'update' && op !== 'delete') throw new Unsupported(`set op ${show(op)}`);
  if (typeof body.set !== 'string') throw new Unsupported('set name');
  let elem = body.elem;
  let timeout: number | undefined;
  const t = tagOf(elem);
  if (t && t[0] === 'elem' && isObj(t[1])) {
    if (typeof t[1].timeout === 'number') timeout = t[1].timeout;
    elem = t[1].val;
  }
  const st: Expr & { kind: 'set-update' } = { kind: 'set-update', op, set: body.set.replace(/^@/, ''), key: selector(elem) };
  if (timeout !== undefined) st.timeout = timeout;
  return st;
}

function limitText(b: unknown): string | undefined {
  if (!isObj(b) || typeof b.rate !== 'number') return undefined;
  const unit = typeof b.rate_unit === 'string' && b.rate_unit !== 'packets' ? ` ${b.rate_unit}` : '';
  return `limit rate ${b.inv === true ? 'over ' : ''}${b.rate}${unit}/${typeof b.per === 'string' ? b.per : 'second'}`;
}
