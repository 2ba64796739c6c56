/**
 * A compact nft-like rendering of model expressions, for display (`Rule.text` of nft rules, trace steps).
 * It reads like `nft list ruleset` but is not guaranteed to be valid nft syntax.
 */
import type { Expr, MapRef, NatStatement, Selector, Value } from '../../model/netfilter.js';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** `ip daddr`, `meta l4proto`, `ct original daddr`, `fib daddr . iif type` … */
function renderSelector(s: Selector): string {
  switch (s.kind) {
    case 'payload': return `${s.protocol} ${s.field}`;
    case 'meta': return `meta ${s.key}`;
    case 'ct': return s.dir ? `ct ${s.dir} ${s.key}` : `ct ${s.key}`;
    case 'fib': return `fib ${s.flags.join(' . ')} ${s.result}`;
    case 'numgen': return `numgen ${s.mode} mod ${s.mod}${s.offset ? ` offset ${s.offset}` : ''}`;
    case 'concat': return s.parts.map(renderSelector).join(' . ');
    case 'bitwise': return `${renderSelector(s.left)} ${s.op} ${hex(s.right)}`;
    case 'socket': return `socket ${s.key}`;
    case 'rt': return `rt ${s.key}`;
  }
}

/** Values as nft prints them. */
function renderValue(v: Value): string {
  switch (v.kind) {
    case 'int': return String(v.value);
    case 'string': return JSON.stringify(v.value);
    case 'addr': return v.value;
    case 'prefix': return `${v.addr}/${v.len}`;
    case 'range': return `${renderValue(v.from)}-${renderValue(v.to)}`;
    case 'set': return `{ ${v.elements.map(renderValue).join(', ')} }`;
    case 'setref': return `@${v.name}`;
    case 'concat': return v.parts.map(renderValue).join(' . ');
    case 'symbol': return v.value;
  }
}

function renderMap(m: MapRef): string {
  if (m.kind === 'ref') return `@${m.name}`;
  const els = m.elements.map((e) => `${renderValue(e.key)} : ${'verdict' in e.value ? renderExpr(e.value) : renderValue(e.value)}`);
  return `{ ${els.join(', ')} }`;
}

function renderNat(n: NatStatement): string {
  if (n.type === 'masquerade' || n.type === 'redirect') {
    const to = n.port !== undefined ? ` to :${n.port}${n.portTo !== undefined ? `-${n.portTo}` : ''}` : '';
    return `${n.type}${to}${n.flags ? ` ${n.flags.join(',')}` : ''}`;
  }
  let to: string;
  if (n.addrMap) to = `${renderSelector(n.addrMap.key)} map ${renderMap(n.addrMap.map)}`;
  else {
    const addr = n.addr === undefined ? '' : n.addr.includes(':') && n.port !== undefined ? `[${n.addr}]` : n.addr;
    const range = n.addrTo !== undefined ? `-${n.addrTo}` : '';
    const port = n.port !== undefined ? `:${n.port}${n.portTo !== undefined ? `-${n.portTo}` : ''}` : '';
    to = `${addr}${range}${port}`;
  }
  return `${n.type}${n.family ? ` ${n.family}` : ''} to ${to}${n.flags ? ` ${n.flags.join(',')}` : ''}`;
}

/** One expression. */
function renderExpr(e: Expr): string {
  switch (e.kind) {
    case 'match': {
      const op = e.op === 'in' || (e.op === '==' && e.left.kind !== 'bitwise') ? '' : `${e.op} `;
      return `${renderSelector(e.left)} ${op}${renderValue(e.right)}`;
    }
    case 'random': return `statistic random ${e.probability}`;
    case 'nth': return `statistic nth every ${e.every} packet ${e.packet}`;
    case 'ipset': return `${e.negate ? '! ' : ''}ipset ${e.name} ${e.dirs.join(',')}`;
    case 'recent':
      return `${e.negate ? '! ' : ''}recent ${e.mode} ${e.name}${e.seconds !== undefined ? ` seconds ${e.seconds}` : ''}${e.reap ? ' reap' : ''} ${e.side}`;
    case 'always': return e.text;
    case 'unknown-match': return e.text;
    case 'unread': return `(rules not read: ${e.dump} dump)`;
    case 'verdict': return e.target ? `${e.verdict} ${e.target}` : e.verdict;
    case 'reject': return e.with ? `reject with ${e.with}` : 'reject';
    case 'vmap': return `${renderSelector(e.key)} vmap ${renderMap(e.map)}`;
    case 'nat': return renderNat(e);
    case 'mark': {
      const who = e.target === 'meta' ? 'meta mark' : 'ct mark';
      if (e.and === 0) return `${who} set ${hex(e.xor)}`;
      if (e.and === 0xffffffff) return `${who} set ${who} xor ${hex(e.xor)}`;
      if (e.xor === 0) return `${who} set ${who} and ${hex(e.and)}`;
      if (((e.and ^ 0xffffffff) >>> 0) === e.xor) return `${who} set ${who} or ${hex(e.xor)}`;
      return `${who} set ${who} and ${hex(e.and)} xor ${hex(e.xor)}`;
    }
    case 'mark-copy': {
      const from = e.from === 'meta' ? 'meta mark' : 'ct mark';
      const to = e.to === 'meta' ? 'meta mark' : 'ct mark';
      const fm = e.fromMask ?? e.mask;
      return `${to} set ${from}${fm !== 0xffffffff ? ` and ${hex(fm)}` : ''}${e.mask !== 0xffffffff ? ` (mask ${hex(e.mask)})` : ''}`;
    }
    case 'ct-set': return `ct ${e.key} set ${renderValue(e.value)}`;
    case 'tproxy': return `tproxy${e.family ? ` ${e.family}` : ''} to ${e.addr ?? ''}${e.port !== undefined ? `:${e.port}` : ''}`;
    case 'set-update': return `${e.op} @${e.set} { ${renderSelector(e.key)}${e.timeout !== undefined ? ` timeout ${e.timeout}s` : ''} }`;
    case 'counter': return 'counter';
    case 'log': return e.prefix !== undefined ? `log prefix ${JSON.stringify(e.prefix)}` : 'log';
    case 'nftrace': return 'meta nftrace set 1';
    case 'notrack': return 'notrack';
    case 'noop': return e.text;
    case 'unknown-statement': return e.text;
  }
}

/** A whole rule body, plus its comment. */
export function renderRule(exprs: readonly Expr[], comment?: string): string {
  const body = exprs.map(renderExpr).join(' ');
  return comment === undefined ? body : `${body} comment ${JSON.stringify(comment)}`;
}
