/**
 * One iptables rule (the words after `-A CHAIN`) → `[...matches, target]`, in the order iptables-nft
 * compiles them. Anything not understood is kept verbatim (unknown-match / unknown-statement) with a warning.
 */
import type { Expr, VerdictStatement } from '../../model/netfilter.js';
import type { ParseWarning } from '../../util/parse-error.js';
import { groupArgs, type Item, type Opt } from './iptables-args.js';
import { MATCHES, alwaysMatch, ifname, type MatchCtx } from './iptables-matches.js';
import { TARGETS, noopTarget } from './iptables-targets.js';
import type { Token } from './tokenize.js';
import { metaSel, payloadSel, sharedExprBy, symVal } from './intern.js';
import { Unsupported, addrValue, protoName } from './values.js';

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
  const st = new RuleState(tokens, ctx);
  for (const item of items) {
    if (item.kind === 'builtin' && item.opt.name === '-p' && item.opt.args[0]) st.proto = protoName(item.opt.args[0].value);
  }
  const parts: Expr[][] = [];
  for (const item of items) parts.push(translateItem(item, st));
  // One exact-size array per rule: 191k rules of a big dump each keep theirs (push would reserve 17 slots).
  const body: RuleBody = { exprs: parts.length === 1 ? parts[0]! : ([] as Expr[]).concat(...parts) };
  if (st.comment !== undefined) body.comment = st.comment;
  return body;
}

/** What the translators of one rule share: one object per rule instead of a closure per item. */
class RuleState implements MatchCtx {
  readonly family: 'ip' | 'ip6';
  proto?: string;
  comment?: string;
  constructor(
    readonly tokens: Token[],
    readonly ctx: RuleCtx,
  ) {
    this.family = ctx.family;
  }
  /** The rule's text from token `from` to token `to - 1`, verbatim. */
  slice(from: number, to: number): string {
    return this.ctx.text.slice(this.tokens[from]!.start, this.tokens[to - 1]!.end);
  }
  warn(code: string, message: string): void {
    this.ctx.warnings.push({ code, message, line: this.ctx.line });
  }
  setComment(text: string, words: number): void {
    this.comment = text;
    if (words > 1) this.warn('unquoted-comment', `comment "${text}" is not quoted; iptables-restore would reject this line`);
  }
}

/** Maps, not records: a word of the input as a property key costs a string-table lookup every time. */
const MATCH_BY_NAME = new Map(Object.entries(MATCHES));
const TARGET_BY_NAME = new Map(Object.entries(TARGETS));

function translateItem(item: Item, st: RuleState): Expr[] {
  switch (item.kind) {
    case 'builtin':
      return builtin(item.opt, st);
    case 'module':
      return module(item.name, item.opts, st, item.from, item.to);
    case 'implicit': {
      const p = st.proto;
      const name = p === 'ipv6-icmp' ? 'icmp6' : p;
      if (name !== undefined && MATCH_BY_NAME.get(name)) return module(name, item.opts, st, item.from, item.to);
      const text = st.slice(item.from, item.to);
      st.warn('unknown-match', `options without a match module: ${text}`);
      return [{ kind: 'unknown-match', text, reason: 'options without -m and no protocol module for them' }];
    }
    case 'target':
      return target(item, st);
    case 'stray': {
      st.warn('unknown-match', `unexpected word "${item.token.value}"`);
      return [{ kind: 'unknown-match', text: item.token.value, reason: 'unexpected word in rule' }];
    }
  }
}

function builtin(o: Opt, st: RuleState): Expr[] {
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
        return [{ kind: 'match', left: payloadSel(st.family, field), op, right }];
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
    const text = st.slice(o.from, o.to);
    st.warn('unknown-match', `${text}: ${e.message}`);
    return [{ kind: 'unknown-match', text, reason: e.message }];
  }
}

function module(name: string, opts: Opt[], st: RuleState, from: number, to: number): Expr[] {
  const tr = MATCH_BY_NAME.get(name);
  if (tr) {
    try {
      return tr(opts, st);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      const text = st.slice(from, to);
      st.warn('unknown-match', `${text}: ${e.message}`);
      return [{ kind: 'unknown-match', text, reason: e.message }];
    }
  }
  const text = st.slice(from, to);
  const always = alwaysMatch(name, text);
  if (always) return [always];
  st.warn('unknown-match', `match module "${name}" is not modelled: ${text}`);
  return [{ kind: 'unknown-match', text, reason: `match module ${name} is not modelled` }];
}

function target(item: Item & { kind: 'target' }, st: RuleState): Expr[] {
  const { name, opts } = item;
  const textOf = (): string => st.slice(item.from, item.to);
  const jump = st.ctx.chainVerdict(name, item.goto);
  if (jump) {
    if (opts.length > 0) st.warn('unknown-target', `options after a jump to chain ${name} are ignored by iptables: ${textOf()}`);
    return [jump];
  }
  if (item.goto) {
    st.warn('unknown-target', `goto to undeclared chain ${name}`);
    return [{ kind: 'unknown-statement', text: textOf(), reason: `-g ${name}: no such chain in this table` }];
  }
  const tr = TARGET_BY_NAME.get(name);
  if (!tr) {
    const text = textOf();
    const noop = noopTarget(name, text);
    if (noop) return [noop];
    st.warn('unknown-target', `target "${name}" is not modelled and is not a chain of this table`);
    return [{ kind: 'unknown-statement', text, reason: `target ${name} is not modelled` }];
  }
  try {
    return tr(opts, st.family);
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    const text = textOf();
    st.warn('unknown-target', `${text}: ${e.message}`);
    return [{ kind: 'unknown-statement', text, reason: e.message }];
  }
}
