/**
 * Every failure as the user sees it: one `error:` line, at most one `hint:` line, an exit code, and a
 * stack trace only with NETX_DEBUG=1. Told apart by type, never by message text:
 * - a netx error (UserError 1, UsageError 2, ExternalError 1) says what to do next;
 * - oclif's parser errors (missing argument, unknown flag, a flag value its parser refused) are usage
 *   errors, exit 2 as for kubectl;
 * - a parser's ParseError names the input and place, exit 1;
 * - anything else is a bug, exit 70.
 */
import chalk from 'chalk';
import { Errors } from '@oclif/core';
import { isNetxError } from '../util/errors.js';
import { ParseError } from '../util/parse-error.js';
import { FlagValueError } from './flag-types.js';

const EXIT_USAGE = 2;
const EXIT_BUG = 70;

export function writeFailure(message: string, hint?: string): void {
  process.stderr.write(`${chalk.red('error:')} ${message}\n`);
  if (hint) process.stderr.write(`${chalk.dim('hint:')} ${hint}\n`);
}

function debugStack(error: unknown): void {
  if (process.env.NETX_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/** oclif's message without its "See more help" line, its lines joined into one. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('See more help with'))
    .join(' ');
}

/**
 * oclif's parser error classes are not exported: they are told apart by class name (oclif is pinned),
 * and read through the fields each one carries.
 */
const oclifError = (error: unknown, name: string): boolean => error instanceof Errors.CLIError && error.constructor.name === name;
const plural = (n: number, word: string): string => `${word}${n === 1 ? '' : 's'}`;

/** A parser error of oclif's in netx's words; undefined for other errors. */
function usageMessage(error: unknown): string | undefined {
  if (error instanceof FlagValueError) return `invalid value "${error.value}" for --${error.flag}: ${error.reason}`;
  if (oclifError(error, 'RequiredArgsError')) {
    const names = (error as unknown as { args: { name: string }[] }).args.map((a) => a.name.toUpperCase());
    return `missing ${plural(names.length, 'argument')} ${names.join(' and ')}`;
  }
  if (oclifError(error, 'NonExistentFlagsError')) {
    const flags = (error as unknown as { flags: string[] }).flags;
    return `unknown ${plural(flags.length, 'flag')}: ${flags.join(', ')}`;
  }
  if (oclifError(error, 'UnexpectedArgsError')) {
    const args = (error as unknown as { args: string[] }).args;
    return `unexpected ${plural(args.length, 'argument')}: ${args.join(' ')}`;
  }
  if (error instanceof Errors.CLIError && !(error instanceof Errors.ExitError)) return oneLine(error.message);
  return undefined;
}

/**
 * Writes what went wrong (nothing for an exit request) and returns the exit code. `command` names
 * the command for the usage hint.
 */
export function reportFailure(error: unknown, command?: string): number {
  if (error instanceof Errors.ExitError) return error.oclif.exit ?? 0;
  if (isNetxError(error)) {
    writeFailure(error.message, error.hint);
    debugStack(error);
    return error.exitCode;
  }
  if (error instanceof ParseError) {
    writeFailure(`cannot read ${error.message}`);
    debugStack(error);
    return 1;
  }
  const usage = usageMessage(error);
  if (usage !== undefined) {
    writeFailure(usage, `see kubectl netx ${command ? `${command} ` : ''}--help`);
    debugStack(error);
    return EXIT_USAGE;
  }
  process.stderr.write(`${chalk.red('internal error:')} ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write('This is a bug in kubectl-netx. Please report it with the command line and NETX_DEBUG=1 output.\n');
  debugStack(error);
  return EXIT_BUG;
}

/** For errors that escape a command (oclif's own, before or around it). */
export const exitCodeOf = (error: unknown): number => reportFailure(error);
