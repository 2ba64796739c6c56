/**
 * Every command extends this: global flags, colour handling, the one way a report is printed in
 * the format -o asks for, and the one place where failures become a message and an exit code (never
 * a stack trace unless NETX_DEBUG=1).
 */
import { Command } from '@oclif/core';
import chalk from 'chalk';
import { globalFlags } from './flags.js';
import { parseDuration } from './duration.js';
import { reportFailure } from './failure.js';
import { renderReport, type ReportViews } from './report.js';
import type { OutputSpec } from './output-spec.js';
import { UserError } from '../util/errors.js';

/** What a command reports about -v for the format it printed (a note on stderr when -v changed nothing). */
export interface VerbosityUse {
  /** The level given. */
  level: number;
  /** Whether this format shows more with -v. */
  used: boolean;
  /** What to do instead, for the note. */
  instead: string;
}

/** The shared behaviour; commands that take other global flags than the usual set (rbac, cleanup) extend it directly. */
export abstract class NetxBaseCommand extends Command {
  /** Exit code for "ran fine but the answer is bad" (trace: some paths fail). */
  static readonly EXIT_FINDINGS = 3;

  protected configureColor(noColor: boolean): void {
    if (noColor || process.env.NO_COLOR) chalk.level = 0;
  }

  protected timeoutMs(text: string): number {
    try {
      return parseDuration(text);
    } catch (e) {
      throw new UserError((e as Error).message, { hint: 'for example --request-timeout 45s' });
    }
  }

  /** Writes the report to stdout; nothing else may go there. */
  protected print(text: string): void {
    process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  /** Prints `report` as `-o` asks; says on stderr when -v (1-5) has nothing to add to that format. */
  protected printReport<R>(report: R, spec: OutputSpec, views: ReportViews<R>, verbosity?: VerbosityUse): void {
    const text = renderReport(report, spec, views);
    // A JSONPath template decides its own line breaks, as in kubectl.
    if (spec.format === 'jsonpath') process.stdout.write(text);
    else this.print(text);
    if (verbosity && verbosity.level > 0 && verbosity.level < 6 && !verbosity.used) {
      process.stderr.write(`${chalk.dim('note:')} -v adds nothing to ${this.id ?? 'this'} -o ${spec.format}: ${verbosity.instead}\n`);
    }
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    return this.exit(reportFailure(error, this.id));
  }
}

export abstract class NetxCommand extends NetxBaseCommand {
  static override baseFlags = globalFlags;
}
