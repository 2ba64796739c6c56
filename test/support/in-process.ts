/**
 * Runs a command in this process through the entry the CLI uses (oclif's Command.run with the real
 * config, the command's own catch deciding the exit code), capturing stdout and stderr. Much faster
 * than a subprocess: property tests run thousands of commands this way.
 */
import { Config, Errors, type Command } from '@oclif/core';
import { COMMANDS } from '../../src/commands/index.js';
import { REPO_ROOT } from './corpus.js';
import type { CliRun } from './cli.js';

let config: Promise<Config> | undefined;

/** `argv[0]` is the command id (`trace`, `cidr` …); status is the exit code the CLI would give. */
export async function runInProcess(argv: string[]): Promise<CliRun> {
  config ??= Config.load(REPO_ROOT);
  const [id, ...rest] = argv;
  const command: Command.Class | undefined = COMMANDS[id ?? ''];
  if (!command) throw new Error(`no command ${id}`);
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const capture = (into: string[]) => ((chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let status: number | null = 0;
  try {
    await command.run(rest, await config);
  } catch (e) {
    if (e instanceof Errors.ExitError) status = e.oclif.exit ?? 1;
    else {
      // What escaped the command's own catch: the real CLI would print it with a stack trace.
      status = null;
      err.push(`uncaught: ${e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e)}`);
    }
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  return { status, stdout: out.join(''), stderr: err.join('') };
}
