/**
 * The command line as kubectl users type it, brought into the shape oclif parses. Pure.
 * - Flags before the command (`kubectl netx -n shop trace …`) move after it, as kubectl allows for
 *   its global flags.
 * - kubectl's log-level spellings (`-v=6`, `-v 6`, `--v=6`, `-v6`) and a bare `-v`/`--verbose`
 *   become `--v=N` (bare: 1).
 * - A first word that is no command is reported with the closest command names.
 */
import { editDistance, suggest } from '../analyze/trace/suggest.js';

export interface FlagSpec {
  name: string;
  char?: string;
  /** An option flag (takes a value) rather than a boolean. */
  takesValue: boolean;
}

export type ArgvPlan = { kind: 'run'; argv: string[] } | { kind: 'unknown-command'; typed: string; suggestions: string[] };

const HELP_TOKENS = new Set(['--help', '-h', '--version']);

/** `-v`, `--v`, `--verbose` with or without a level, in every spelling kubectl and netx accept. */
function normaliseVerbosity(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const joined = /^(?:-v=?|--v=|--verbose=)(\d+)$/.exec(t);
    if (joined) {
      out.push(`--v=${joined[1]}`);
      continue;
    }
    if (t === '-v' || t === '--v' || t === '--verbose') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        out.push(`--v=${next}`);
        i++;
      } else out.push('--v=1');
      continue;
    }
    out.push(t);
  }
  return out;
}

/** How many tokens the flag at `argv[i]` spans (1 or 2); 0 when it is no known flag. */
function flagWidth(argv: readonly string[], i: number, flags: readonly FlagSpec[]): number {
  const t = argv[i]!;
  if (t.startsWith('--')) {
    const [name, value] = [t.slice(2).split('=')[0]!, t.includes('=')];
    const spec = flags.find((f) => f.name === name || (!f.takesValue && name === `no-${f.name}`));
    if (!spec) return 0;
    return spec.takesValue && !value ? 2 : 1;
  }
  const spec = flags.find((f) => f.char !== undefined && t.startsWith(`-${f.char}`));
  if (!spec) return 0;
  return spec.takesValue && t.length === 2 ? 2 : 1;
}

/**
 * Puts the command first. `commands` are the command ids; `flags` every flag any command takes
 * (what matters here is only whether it takes a value).
 */
export function planArgv(raw: readonly string[], commands: readonly string[], flags: readonly FlagSpec[]): ArgvPlan {
  const argv = normaliseVerbosity(raw);
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--' && !HELP_TOKENS.has(argv[i]!)) {
    const width = flagWidth(argv, i, flags);
    if (width === 0) break;
    i += width;
  }
  const word = argv[i];
  // Nothing but flags, a help/version request, or an unknown flag first: oclif answers (help, or its own error).
  if (word === undefined || word.startsWith('-')) return { kind: 'run', argv: i === argv.length && i > 0 ? ['--help'] : [...argv] };
  if (!commands.includes(word)) return { kind: 'unknown-command', typed: word, suggestions: closest(word, commands) };
  return { kind: 'run', argv: [word, ...argv.slice(0, i), ...argv.slice(i + 1)] };
}

/** The -v level of a normalised command line (0 when none). */
export function verbosityOf(argv: readonly string[]): number {
  let level = 0;
  for (const t of argv) {
    if (t === '--') break;
    const m = /^--v=(\d+)$/.exec(t);
    if (m) level = Number(m[1]);
  }
  return level;
}

/** The commands nearest to a typo (all at the smallest distance), as `suggest` finds them. */
function closest(word: string, commands: readonly string[]): string[] {
  const near = suggest(word, commands);
  const d = (c: string): number => (c.startsWith(word) || word.startsWith(c) ? 0 : editDistance(word, c));
  const best = Math.min(...near.map(d));
  return near.filter((c) => d(c) === best);
}
