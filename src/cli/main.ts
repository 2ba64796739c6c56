/**
 * The process around oclif: the command line made kubectl-shaped (cli/argv.ts), shell completion
 * loaded only when a shell asks for it, every failure turned into one message and an exit code, and
 * the exit delayed until stdout and stderr are flushed (cli/exit.ts).
 */
import type { Command } from '@oclif/core';
import { planArgv, verbosityOf, type FlagSpec } from './argv.js';
import { startApiLog } from './api-log.js';
import { exitAfterFlush } from './exit.js';
import { writeFailure, exitCodeOf } from './failure.js';

export type CommandTable = Record<string, Command.Class>;

/** Every flag of every command (and the base flags), as argv.ts needs them. */
export function flagSpecs(commands: CommandTable): FlagSpec[] {
  const seen = new Map<string, FlagSpec>();
  for (const cmd of Object.values(commands)) {
    for (const [name, f] of Object.entries({ ...(cmd.baseFlags ?? {}), ...(cmd.flags ?? {}) })) {
      if (!seen.has(name)) seen.set(name, { name, ...(f.char ? { char: f.char } : {}), takesValue: f.type === 'option' });
    }
  }
  return [...seen.values()];
}

/** Runs one command line and ends the process with its exit code, after all output is out. */
export async function main(argv: string[], root: string, commands: CommandTable): Promise<never> {
  if (argv[0] === '__complete') {
    const { complete } = await import('./complete/index.js');
    process.stdout.write(await complete(argv.slice(1), commands));
    return exitAfterFlush(0);
  }
  const plan = planArgv(argv, Object.keys(commands), flagSpecs(commands));
  if (plan.kind === 'unknown-command') {
    const near = plan.suggestions.length ? `did you mean ${plan.suggestions.join(' or ')}? ` : '';
    writeFailure(`unknown command "${plan.typed}" for "kubectl netx"`, `${near}(kubectl netx --help lists the commands)`);
    return exitAfterFlush(2);
  }
  const level = verbosityOf(plan.argv);
  if (level >= 6) startApiLog(level);
  let code = 0;
  try {
    const { run } = await import('@oclif/core');
    await run(plan.argv, root);
  } catch (e) {
    code = exitCodeOf(e);
  }
  return exitAfterFlush(code);
}
