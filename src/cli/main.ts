/**
 * The process around oclif: the command line made kubectl-shaped (cli/argv.ts), help and the version line
 * answered from build-time data when it holds them (cli/static-help.ts), shell completion loaded only when a
 * shell asks for it, every failure turned into one message and an exit code, and the exit delayed until stdout
 * and stderr are flushed (cli/exit.ts). oclif and the command table load only when a command runs.
 */
import type { Command } from '@oclif/core';
import { planArgv, verbosityOf, type FlagSpec } from './argv.js';
import { startApiLog } from './api-log.js';
import { exitAfterFlush } from './exit.js';
import { oclifColumns, readStaticMeta, STATIC_META_FILE, staticAnswer } from './static-help.js';

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

/**
 * Runs one command line and ends the process with its exit code, after all output is out. `loadCommands` imports
 * the command table (every command class); `commandsDir` is where the build wrote the static data beside it.
 */
export async function main(argv: string[], root: string, loadCommands: () => Promise<CommandTable>, commandsDir?: URL): Promise<never> {
  const meta = commandsDir ? readStaticMeta(new URL(STATIC_META_FILE, commandsDir)) : undefined;
  if (argv[0] === '__complete') {
    const [{ complete }, commands] = await Promise.all([import('./complete/index.js'), meta?.completion ?? loadCommands()]);
    process.stdout.write(await complete(argv.slice(1), commands));
    return exitAfterFlush(0);
  }
  const [ids, flags] = meta ? [meta.ids, meta.flags] : await loadCommands().then((c) => [Object.keys(c), flagSpecs(c)] as const);
  const plan = planArgv(argv, ids, flags);
  if (plan.kind === 'unknown-command') {
    const near = plan.suggestions.length ? `did you mean ${plan.suggestions.join(' or ')}? ` : '';
    const { writeFailure } = await import('./failure.js');
    writeFailure(`unknown command "${plan.typed}" for "kubectl netx"`, `${near}(kubectl netx --help lists the commands)`);
    return exitAfterFlush(2);
  }
  const answer = meta && staticAnswer(plan.argv, meta, oclifColumns(process.env, process.stdout));
  if (answer !== undefined) {
    process.stdout.write(answer);
    return exitAfterFlush(0);
  }
  const level = verbosityOf(plan.argv);
  if (level >= 6) startApiLog(level);
  let code = 0;
  try {
    const { run } = await import('@oclif/core');
    await run(plan.argv, root);
  } catch (e) {
    const { exitCodeOf } = await import('./failure.js');
    code = exitCodeOf(e);
  }
  return exitAfterFlush(code);
}
