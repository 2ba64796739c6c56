/**
 * Groups the words of one iptables rule (after `-A CHAIN`) into what iptables itself sees: built-in
 * options (-s -d -p -i -o -f -c), match modules (`-m NAME --opt args…`) and the target (`-j`/`-g NAME --opt…`),
 * each option with its own `!`.
 */
import type { Token } from './tokenize.js';

export interface Opt {
  /** `--dport`, `-s` … */
  name: string;
  negated: boolean;
  args: Token[];
  /** Index of the first and one-past-last token of the option (including its `!`). */
  from: number;
  to: number;
}

export type Item =
  | { kind: 'builtin'; opt: Opt }
  | { kind: 'module'; name: string; opts: Opt[]; from: number; to: number }
  | { kind: 'target'; name: string; goto: boolean; opts: Opt[]; from: number; to: number }
  /** Options with no `-m` before them: iptables loads the `-p` protocol's module implicitly. */
  | { kind: 'implicit'; opts: Opt[]; from: number; to: number }
  | { kind: 'stray'; token: Token; index: number };

/** Canonical long-less name of a built-in: `--source` → `-s`. */
function builtinName(name: string): string {
  switch (name) {
    case '--source': case '--src': return '-s';
    case '--destination': case '--dst': return '-d';
    case '--protocol': return '-p';
    case '--in-interface': return '-i';
    case '--out-interface': return '-o';
    case '--fragment': return '-f';
    case '--set-counters': return '-c';
    default: return name;
  }
}

const MATCH_WORD = 10;
const JUMP_WORD = 11;
const GOTO_WORD = 12;

/**
 * What a word that starts a new item is: the argument count of a built-in option, or MATCH_WORD, JUMP_WORD,
 * GOTO_WORD; undefined for any other word. A switch, not a table lookup: this runs for every word of a dump.
 */
function boundaryOf(v: string): number | undefined {
  if (v.charCodeAt(0) !== 45 /* - */) return undefined;
  switch (v) {
    case '-m': case '--match': return MATCH_WORD;
    case '-j': case '--jump': return JUMP_WORD;
    case '-g': case '--goto': return GOTO_WORD;
    case '-s': case '--source': case '--src':
    case '-d': case '--destination': case '--dst':
    case '-p': case '--protocol':
    case '-i': case '--in-interface':
    case '-o': case '--out-interface':
      return 1;
    case '-f': case '--fragment': case '-4': case '--ipv4': case '-6': case '--ipv6':
      return 0;
    case '-c': case '--set-counters':
      return 2;
    default:
      return undefined;
  }
}

function isOption(t: Token | undefined): boolean {
  if (t === undefined || t.quoted) return false;
  const v = t.value;
  if (v.length < 2 || v.charCodeAt(0) !== 45 /* - */) return false;
  const c = v.charCodeAt(1);
  return c < 48 || c > 57; // `-5` is a value, not an option
}
const isBang = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.value === '!';
/** A word that ends the current module/target: a built-in option, -m, -j or -g. */
const isBoundary = (t: Token | undefined): boolean => t !== undefined && !t.quoted && boundaryOf(t.value) !== undefined;

/** Groups tokens[start..] into items. Never throws: anything unexpected becomes a `stray` item. */
export function groupArgs(tokens: Token[], start: number): Item[] {
  const items: Item[] = [];
  let i = start;
  const n = tokens.length;
  while (i < n) {
    const t = tokens[i]!;
    const neg = isBang(t);
    const head = neg ? tokens[i + 1] : t;
    const word = head && !head.quoted ? boundaryOf(head.value) : undefined;
    if (head && word !== undefined) {
      const from = i;
      i += neg ? 2 : 1;
      const name = head.value;
      if (word < MATCH_WORD) {
        const count = word;
        const args: Token[] = [];
        let negated = neg;
        // Old syntax `-s ! 10.0.0.1` puts the bang after the option.
        if (count > 0 && isBang(tokens[i])) {
          negated = true;
          i++;
        }
        for (let k = 0; k < count && i < n; k++) args.push(tokens[i++]!);
        items.push({ kind: 'builtin', opt: { name: builtinName(name), negated, args, from, to: i } });
        continue;
      }
      const nameTok = tokens[i];
      if (!nameTok) {
        items.push({ kind: 'stray', token: head, index: from });
        break;
      }
      i++;
      const { opts, end } = collectOpts(tokens, i);
      i = end;
      if (word === MATCH_WORD) items.push({ kind: 'module', name: nameTok.value, opts, from, to: i });
      else items.push({ kind: 'target', name: nameTok.value, goto: word === GOTO_WORD, opts, from, to: i });
      continue;
    }
    if (isOption(head)) {
      const from = i;
      const { opts, end } = collectOpts(tokens, i);
      items.push({ kind: 'implicit', opts, from, to: end });
      i = end;
      continue;
    }
    items.push({ kind: 'stray', token: t, index: i });
    i++;
  }
  return items;
}

/** Collects `[!] --opt args…` groups until a boundary word. */
function collectOpts(tokens: Token[], start: number): { opts: Opt[]; end: number } {
  const opts: Opt[] = [];
  let i = start;
  const n = tokens.length;
  while (i < n) {
    const t = tokens[i]!;
    if (isBoundary(t) || (isBang(t) && isBoundary(tokens[i + 1]))) break;
    const from = i;
    let negated = false;
    if (isBang(t)) {
      negated = true;
      i++;
    }
    const nameTok = tokens[i];
    if (!nameTok || !isOption(nameTok)) {
      // A value with no option before it: attach it to the previous option (unquoted multi-word comments).
      const prev = opts[opts.length - 1];
      if (prev && nameTok) {
        if (negated) prev.args.push(t);
        prev.args.push(nameTok);
        prev.to = i + 1;
        i++;
        continue;
      }
      break;
    }
    i++;
    const args: Token[] = [];
    while (i < n && !isOption(tokens[i]) && !isBang(tokens[i])) args.push(tokens[i++]!);
    // `--opt ! value` (old syntax) negates the option.
    if (args.length === 0 && isBang(tokens[i]) && tokens[i + 1] && !isOption(tokens[i + 1]) && !isBoundary(tokens[i + 1])) {
      negated = true;
      i++;
      while (i < n && !isOption(tokens[i]) && !isBang(tokens[i])) args.push(tokens[i++]!);
    }
    opts.push({ name: nameTok.value, negated, args, from, to: i });
  }
  return { opts, end: i };
}
