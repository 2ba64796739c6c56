/**
 * Colour and markers. Colour only adds emphasis: every marker is a character that reads the same
 * without colour (`✗` error, `!` warning, `i` info — a note, worth knowing but nothing checked —,
 * `✓` a check that passed). Uses chalk's global level, which the command sets from --no-color /
 * NO_COLOR / TTY.
 */
import chalk from 'chalk';

export type Tone = 'error' | 'warning' | 'info' | 'ok';

const MARK: Record<Tone, string> = { error: '✗', warning: '!', info: 'i', ok: '✓' };

export const paint = {
  error: (s: string): string => chalk.red(s),
  warning: (s: string): string => chalk.yellow(s),
  info: (s: string): string => chalk.cyan(s),
  ok: (s: string): string => chalk.green(s),
  dim: (s: string): string => chalk.dim(s),
  bold: (s: string): string => chalk.bold(s),
};

/** The marker of a tone, uncoloured: for lines painted as a whole (dim notes). */
export const plainMark = (tone: Tone): string => MARK[tone];

/** The marker of a tone, coloured. */
export const mark = (tone: Tone): string => paint[tone](MARK[tone]);

/** `text` in the colour of its tone. */
export const tone = (t: Tone, text: string): string => paint[t](text);

/**
 * The tone of a trace/policy finding: `✓` an info finding that reports a check that passed
 * (`passed`), `i` any other info finding (a note), else its severity.
 */
export function findingTone(f: { severity: 'error' | 'warning' | 'info'; passed?: boolean }): Tone {
  if (f.severity !== 'info') return f.severity;
  return f.passed ? 'ok' : 'info';
}
