/**
 * Flag types whose values are checked while oclif parses the command line, so a bad value is a usage
 * error (exit 2) that says why, whether or not the command would have used the flag (a --snapshot run
 * never reads --request-timeout, but `--request-timeout abc` is still wrong).
 */
import { Flags } from '@oclif/core';
import { parseDuration } from './duration.js';
import { parseOutput, type OutputSpec } from './output-spec.js';
import { compileJsonPath, JsonPathError } from '../render/jsonpath.js';

/** A flag value the flag's parser refused: the flag, the value, and why (kept apart from the text oclif adds). */
export class FlagValueError extends Error {
  override readonly name = 'FlagValueError';
  constructor(
    readonly flag: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`--${flag} ${value}: ${reason}`);
  }
}

/** A kubectl-style duration (30s, 2m, 1h, 500ms, a bare number of seconds); the value stays the text. */
export const durationFlag = Flags.custom<string>({
  helpValue: 'DURATION',
  parse: async (input, _ctx, opts) => {
    try {
      parseDuration(input);
    } catch {
      throw new FlagValueError(opts.name, input, 'not a duration: use a number with a unit, e.g. 30s, 2m, 1h (0 = no limit)');
    }
    return input;
  },
});

/** A TCP/UDP/SCTP port number. */
export const portFlag = Flags.custom<number>({
  helpValue: '1-65535',
  parse: async (input, _ctx, opts) => {
    if (!/^\d+$/.test(input.trim())) throw new FlagValueError(opts.name, input, 'not a port number: ports are whole numbers from 1 to 65535');
    const n = Number(input);
    if (n < 1 || n > 65535) throw new FlagValueError(opts.name, input, 'out of range: ports are 1 to 65535');
    return n;
  },
});

/** kubectl's log level: `-v=6`. cli/argv.ts turns every spelling (and a bare -v) into `--v=N`. */
export const verbosityFlag = Flags.custom<number>({
  char: 'v',
  helpValue: 'N',
  description: 'Verbosity, as in kubectl: -v (or -v=1..5) shows every path and every rule evaluated; -v=6 also logs each API request to stderr',
  helpGroup: 'GLOBAL',
  parse: async (input, _ctx, opts) => {
    if (!/^\d+$/.test(input)) throw new FlagValueError(opts.name, input, 'not a log level: use a whole number, e.g. -v=6');
    return Number(input);
  },
});

const formatHelp = (f: OutputSpec['format']): string => (f === 'jsonpath' || f === 'jsonpath-as-json' ? `${f}=TEMPLATE` : f);

/**
 * `-o`: one vocabulary for every command (see cli/output-spec.ts); `formats` are those the command prints, the first
 * one being the default.
 */
export function outputFlag(formats: readonly OutputSpec['format'][], description = 'Output format') {
  const first = formats[0] ?? 'text';
  return Flags.custom<OutputSpec>({
    char: 'o',
    description,
    helpValue: formats.map(formatHelp).join('|'),
    default: async () => ({ format: first === 'jsonpath' || first === 'jsonpath-as-json' ? 'text' : first }) as OutputSpec,
    // Help shows the format's name; without this oclif prints the default's value, an object.
    defaultHelp: async () => (first === 'jsonpath' || first === 'jsonpath-as-json' ? 'text' : first),
    parse: async (input, _ctx, opts) => {
      const spec = parseOutput(input);
      if (!spec || !formats.includes(spec.format)) {
        const list = formats.map(formatHelp).join(', ');
        throw new FlagValueError(opts.name, input, `not an output format of this command: use one of ${list}`);
      }
      if (spec.format === 'jsonpath' || spec.format === 'jsonpath-as-json') {
        try {
          compileJsonPath(spec.template);
        } catch (e) {
          if (e instanceof JsonPathError) throw new FlagValueError(opts.name, input, `bad JSONPath template: ${e.message}`);
          throw e;
        }
      }
      return spec;
    },
  })();
}
