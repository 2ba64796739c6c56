/**
 * One iptables rule (the words after `-A CHAIN`) → `[...matches, target]`, in the order iptables-nft
 * compiles them. Anything not understood is kept verbatim (unknown-match / unknown-statement) with a warning.
 */
import type { Expr, VerdictStatement } from '../../model/netfilter.js';
import type { ParseWarning } from '../error.js';
import { groupArgs, type Item, type Opt } from './iptables-args.js';
import { MATCHES, alwaysMatch, ifname, type MatchCtx } from './iptables-matches.js';
import { TARGETS, noopTarget } from './iptables-targets.js';
import type { Token } from './tokenize.js';
import { metaSel, payloadSel, sharedExprBy, symVal } from './intern.js';
import { Unsupported, addrValue, lookup, protoName } from './values.js';

export interface RuleCtx {
  family: 'ip' | 'ip6';
  line: number;
  /** The whole line, for verbatim slices. */
  text: string;
  warnings: ParseWarning[];
  /** The verdict of `-j name` / `-g name` when `name` is a chain of this table (one shared object per chain), else undefined. */
  chainVerdict(name: string, goto: boolean): VerdictStatement | undefined;
}

export interface RuleBody {
  exprs: Expr[];
  comment?: string;
}

/** Translates tokens[start..] of a rule line. */
export function translateRule(tokens: Token[], start: number, ctx: RuleCtx): RuleBody {
  const items = groupArgs(tokens, start);
  const body: RuleBody = { exprs: [] };
  let proto: string | undefined;
  const slice = (from: number, to: number): string => ctx.text.slice(tokens[from]!.start, tokens[to - 1]!.end);
  const warn = (code: string, message: string): void => {
    ctx.warnings.push({ code, message, line: ctx.line });
  };
  const mctx: MatchCtx = {
    family: ctx.family,
    setComment: (text, words) => {
      body.comment = text;
      if (words > 1) warn('unquoted-comment', `comment "${text}" is not quoted; iptables-restore would reject this line`);
    },
  };
  for (const item of items) {
    if (item.kind === 'builtin' && item.opt.name === '-p' && item.opt.args[0]) proto = protoName(item.opt.args[0].value);
  }
  if (proto !== undefined) mctx.proto = proto;
  const parts = items.map((item) => translateItem(item, ctx, mctx, slice, warn));
  // One exact-size array per rule: 191k rules of a big dump each keep theirs (push would reserve 17 slots).
  body.exprs = parts.length === 1 ? parts[0]! : ([] as Expr[]).concat(...parts);
  return body;
}

/** Maps, not records: a word of the input as a property key costs a string-table lookup every time. */
const MATCH_BY_NAME = new Map(Object.entries(MATCHES));
const TARGET_BY_NAME = new Map(Object.entries(TARGETS));

type Slice = (from: number, to: number) => string;
type Warn = (code: string, message: string) => void;

function translateItem(item: Item, ctx: RuleCtx, mctx: MatchCtx, slice: Slice, warn: Warn): Expr[] {
  switch (item.kind) {
    case 'builtin':
      return builtin(item.opt, ctx, slice, warn);
    case 'module':
      return module(item.name, item.opts, mctx, () => slice(item.from, item.to), warn);
    case 'implicit': {
      const p = mctx.proto;
      const name = p === 'ipv6-icmp' ? 'icmp6' : p;
      if (name !== undefined && MATCH_BY_NAME.get(name)) return module(name, item.opts, mctx, () => slice(item.from, item.to), warn);
      const text = slice(item.from, item.to);
      warn('unknown-match', `options without a match module: ${text}`);
      return [{ kind: 'unknown-match', text, reason: 'options without -m and no protocol module for them' }];
    }
    case 'target':
      return target(item, ctx, () => slice(item.from, item.to), warn);
    case 'stray': {
      warn('unknown-match', `unexpected word "${item.token.value}"`);
      return [{ kind: 'unknown-match', text: item.token.value, reason: 'unexpected word in rule' }];
    }
  }
}

function builtin(o: Opt, ctx: RuleCtx, slice: Slice, warn: Warn): Expr[] {
  const v = o.args[0]?.value;
  const op = o.negated ? '!=' : '==';
  try {
    switch (o.name) {
      case '-s':
      case '-d': {
        if (v === undefined) throw new Unsupported('missing address');
        const field = o.name === '-s' ? 'saddr' : 'daddr';
        const parts = v.includes(',') ? v.split(',').map(addrValue) : [addrValue(v)];
        if (parts.length > 1 && o.negated) throw new Unsupported('negated address list');
        const right = parts.length === 1 ? parts[0]! : { kind: 'set' as const, elements: parts };
        return [{ kind: 'match', left: payloadSel(ctx.family, field), op, right }];
      }
      case '-p': {
        if (v === undefined) throw new Unsupported('missing protocol');
        const p = protoName(v);
        if (p === 'all' || p === '0') {
          if (o.negated) throw new Unsupported('! -p all never matches');
          return [];
        }
        return [sharedExprBy(o.negated ? 'l4proto !=' : 'l4proto ==', p, () => ({ kind: 'match', left: metaSel('l4proto'), op, right: symVal(p) }))];
      }
      case '-i':
      case '-o': {
        if (v === undefined) throw new Unsupported('missing interface');
        const key = o.name === '-i' ? 'iifname' : 'oifname';
        return [sharedExprBy(`${key} ${op}`, v, () => ({ kind: 'match', left: metaSel(key), op, right: { kind: 'string', value: ifname(v) } }))];
      }
      case '-c':
      case '-4':
      case '-6':
        return [];
      default:
        throw new Unsupported(`${o.name} is not modelled`);
    }
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    const text = slice(o.from, o.to);
    warn('unknown-match', `${text}: ${e.message}`);
    return [{ kind: 'unknown-match', text, reason: e.message }];
  }
}

function module(name: string, opts: Opt[], mctx: MatchCtx, textOf: () => string, warn: Warn): Expr[] {
  const tr = MATCH_BY_NAME.get(name);
  if (tr) {
    try {
      return tr(opts, mctx);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      const text = textOf();
      warn('unknown-match', `${text}: ${e.message}`);
      return [{ kind: 'unknown-match', text, reason: e.message }];
    }
  }
  const text = textOf();
  const always = alwaysMatch(name, text);
  if (always) return [always];
  warn('unknown-match', `match module "${name}" is not modelled: ${text}`);
  return [{ kind: 'unknown-match', text, reason: `match module ${name} is not modelled` }];
}

function target(item: Item & { kind: 'target' }, ctx: RuleCtx, textOf: () => string, warn: Warn): Expr[] {
  const { name, opts } = item;
  const jump = ctx.chainVerdict(name, item.goto);
  if (jump) {
    if (opts.length > 0) warn('unknown-target', `options after a jump to chain ${name} are ignored by iptables: ${textOf()}`);
    return [jump];
  }
  if (item.goto) {
    warn('unknown-target', `goto to undeclared chain ${name}`);
    return [{ kind: 'unknown-statement', text: textOf(), reason: `-g ${name}: no such chain in this table` }];
  }
  const tr = TARGET_BY_NAME.get(name);
  if (!tr) {
    const text = textOf();
    const noop = noopTarget(name, text);
    if (noop) return [noop];
    warn('unknown-target', `target "${name}" is not modelled and is not a chain of this table`);
    return [{ kind: 'unknown-statement', text, reason: `target ${name} is not modelled` }];
  }
  try {
    return tr(opts, ctx.family);
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    const text = textOf();
    warn('unknown-target', `${text}: ${e.message}`);
    return [{ kind: 'unknown-statement', text, reason: e.message }];
  }
}
