/**
 * Every command extends this: global flags, colour handling, and the one place where failures
 * become a message and an exit code (never a stack trace unless NETX_DEBUG=1).
 */
import { Command, Errors } from '@oclif/core';
import chalk from 'chalk';
import { globalFlags, parseDuration } from './flags.js';
import { isNetxError, UserError } from '../util/errors.js';
import { ParseError } from '../parse/error.js';

export abstract class NetxCommand extends Command {
  static override baseFlags = globalFlags;

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
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    // oclif uses exceptions for exit() and for its own flag-parsing errors: keep their behaviour.
    if (error instanceof Errors.ExitError) throw error;
    if (isNetxError(error)) {
      process.stderr.write(`${chalk.red('error:')} ${error.message}\n`);
      if (error.hint) process.stderr.write(`${chalk.dim('hint:')} ${error.hint}\n`);
      if (process.env.NETX_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
      return this.exit(error.exitCode);
    }
    if (error instanceof ParseError) {
      process.stderr.write(`${chalk.red('error:')} cannot read ${error.message}\n`);
      return this.exit(1);
    }
    if (error instanceof Errors.CLIError || error.name === 'CLIError' || (error as { oclif?: unknown }).oclif) {
      // Flag/argument errors from oclif's parser: short message, usage hint, exit 2 like kubectl.
      process.stderr.write(`${chalk.red('error:')} ${error.message.split('\n')[0]}\n`);
      process.stderr.write(`${chalk.dim('hint:')} see kubectl netx ${this.id ?? ''} --help\n`);
      return this.exit(2);
    }
    process.stderr.write(`${chalk.red('internal error:')} ${error.message}\n`);
    process.stderr.write('This is a bug in kubectl-netx. Please report it with the command line and NETX_DEBUG=1 output.\n');
    if (process.env.NETX_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
    return this.exit(70);
  }
}
