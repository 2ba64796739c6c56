/**
 * The process around oclif: the command line made kubectl-shaped (cli/argv.ts), help and the version line
 * answered from build-time data when it holds them (cli/static-help.ts), shell completion loaded only when a
 * shell asks for it, every failure turned into one message and an exit code, and the exit delayed until stdout
 * and stderr are flushed (cli/exit.ts). oclif and the command table load only when a command runs.
 */
import type { Command, Interfaces } from '@oclif/core';

type PJSON = Interfaces.PJSON;
import { planArgv, verbosityOf, type FlagSpec } from './argv.js';
import { startApiLog } from './api-log.js';
import { exitAfterFlush } from './exit.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
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

/** Where the process finds its commands: see main(). */
export interface CommandSource {
  /** Imports the command table (every command class). */
  load: () => Promise<CommandTable>;
  /** Where the build wrote the static data (dist/commands/). */
  staticDir?: URL;
  /**
   * The module, relative to `root`, that oclif imports for the command table in place of package.json's target:
   * the bundle the process already runs (scripts/bundle.mjs), so oclif reuses the loaded module instead of loading
   * the unbundled tree beside it.
   */
  module?: string;
}

/** Runs one command line and ends the process with its exit code, after all output is out. */
export async function main(argv: string[], root: string, commands: CommandSource): Promise<never> {
  const { load: loadCommands, staticDir: commandsDir } = commands;
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
    const { run } = await import('./oclif-run.js');
    await run(plan.argv, commands.module ? { root, pjson: withCommandsModule(root, commands.module) } : root);
  } catch (e) {
    const { exitCodeOf } = await import('./failure.js');
    code = exitCodeOf(e);
  }
  return exitAfterFlush(code);
}

/** package.json with oclif's explicit command target replaced by `module` (same identifier). */
function withCommandsModule(root: string, module: string): PJSON {
  const pjson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PJSON;
  const commands = pjson.oclif.commands;
  if (typeof commands !== 'object' || commands.strategy !== 'explicit') return pjson;
  return { ...pjson, oclif: { ...pjson.oclif, commands: { ...commands, target: module } } };
}
