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

/** Built-in options and how many arguments each takes. */
const BUILTIN_ARGS: Readonly<Record<string, number>> = {
  '-s': 1, '--source': 1, '--src': 1,
  '-d': 1, '--destination': 1, '--dst': 1,
  '-p': 1, '--protocol': 1,
  '-i': 1, '--in-interface': 1,
  '-o': 1, '--out-interface': 1,
  '-f': 0, '--fragment': 0,
  '-c': 2, '--set-counters': 2,
  '-4': 0, '--ipv4': 0, '-6': 0, '--ipv6': 0,
};

const MATCH = new Set(['-m', '--match']);
const JUMP = new Set(['-j', '--jump']);
const GOTO = new Set(['-g', '--goto']);

/** Canonical long-less name of a built-in: `--source` → `-s`. */
export function builtinName(name: string): string {
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

/** Every word that starts a new item: built-in options, -m, -j, -g. */
const BOUNDARY: ReadonlySet<string> = new Set([...Object.keys(BUILTIN_ARGS), ...MATCH, ...JUMP, ...GOTO]);

function isOption(t: Token | undefined): boolean {
  if (t === undefined || t.quoted) return false;
  const v = t.value;
  if (v.length < 2 || v.charCodeAt(0) !== 45 /* - */) return false;
  const c = v.charCodeAt(1);
  return c < 48 || c > 57; // `-5` is a value, not an option
}
const isBang = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.value === '!';
/** A word that ends the current module/target: a built-in option, -m, -j or -g. */
const isBoundary = (t: Token | undefined): boolean => t !== undefined && !t.quoted && BOUNDARY.has(t.value);

/** Groups tokens[start..] into items. Never throws: anything unexpected becomes a `stray` item. */
export function groupArgs(tokens: Token[], start: number): Item[] {
  const items: Item[] = [];
  let i = start;
  const n = tokens.length;
  while (i < n) {
    const t = tokens[i]!;
    const neg = isBang(t);
    const head = neg ? tokens[i + 1] : t;
    if (head && isBoundary(head)) {
      const from = i;
      i += neg ? 2 : 1;
      const name = head.value;
      const count = BUILTIN_ARGS[name];
      if (count !== undefined) {
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
      if (MATCH.has(name)) items.push({ kind: 'module', name: nameTok.value, opts, from, to: i });
      else items.push({ kind: 'target', name: nameTok.value, goto: GOTO.has(name), opts, from, to: i });
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
