/**
 * What the command line needs before any command runs — the command names, every flag's shape, the help pages
 * and the version line — kept as data written at build time (scripts/static-meta.mjs renders the help pages with
 * oclif's own help class), so `--help`, `help CMD` and `--version` answer without loading oclif or any command.
 * Completion reads the same file for the commands' flags. Pure but for reading that one file; anything the data cannot answer exactly goes to oclif as before.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { FlagSpec } from './argv.js';
import type { CommandTable as CompletionTable } from './complete/candidates.js';

/** The file scripts/static-meta.mjs writes beside the built command table. */
export const STATIC_META_FILE = 'static-meta.json';

/** Where the build's version line stood in the help pages; the running platform and Node replace it. */
export const USER_AGENT_MARK = '\u0000user-agent\u0000';

export interface StaticMeta {
  /** The command ids, as oclif lists them. */
  ids: string[];
  /** Every flag any command (or the base flags) takes, as argv.ts needs them. */
  flags: FlagSpec[];
  /** `name/version` of the package: the first word of oclif's version line. */
  nameVersion: string;
  /** The width the pages were wrapped to (oclif's width when stdout is no terminal). */
  columns: number;
  /** Help pages as oclif prints them: '' is the root page, else a command id. */
  pages: Record<string, string>;
  /** Each command's summary and flags, as completion reads them (complete/candidates.ts completionTable). */
  completion: CompletionTable;
}

/** The build's data, or undefined when the build did not write it (a bare `tsc`): then oclif answers everything. */
export function readStaticMeta(url: URL): StaticMeta | undefined {
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as StaticMeta;
  } catch {
    return undefined;
  }
}

/** What oclif's width would be for this process's stdout (screen.js: OCLIF_COLUMNS, else the terminal's, else 80). */
export function oclifColumns(env: NodeJS.ProcessEnv, stdout: { isTTY?: boolean; columns?: number }): number {
  const fixed = Number.parseInt(env.OCLIF_COLUMNS ?? '', 10);
  if (fixed) return fixed;
  if (!stdout.isTTY) return 80;
  const width = stdout.columns ?? 0;
  return width < 1 ? 80 : Math.max(width, 40);
}

/**
 * oclif's version line (`kubectl-netx/0.1.0 linux-x64 node-v24.9.0`), or undefined under WSL, where oclif says
 * `wsl` for the platform after checks this module does not repeat.
 */
function userAgent(meta: StaticMeta): string | undefined {
  if (process.platform === 'linux' && mentionsMicrosoft()) return undefined;
  const arch = process.arch === 'ia32' ? 'x86' : process.arch;
  return `${meta.nameVersion} ${process.platform}-${arch} node-${process.version}`;
}

function mentionsMicrosoft(): boolean {
  if (release().toLowerCase().includes('microsoft')) return true;
  try {
    return readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft');
  } catch {
    return false;
  }
}

/**
 * The text oclif would print for a planned command line, when it is one of the plain forms — `--help`, `-h`,
 * `--version`, `CMD --help`, `CMD -h`, `help`, `help CMD` — and the pages were wrapped to the width oclif would
 * use now; undefined for anything else (oclif answers it).
 */
export function staticAnswer(argv: readonly string[], meta: StaticMeta, columns: number): string | undefined {
  const agent = userAgent(meta);
  if (agent === undefined) return undefined;
  if (argv[0] === '--version') return `${agent}\n`;
  if (columns !== meta.columns) return undefined;
  const id = helpSubject(argv, meta.ids);
  const page = id === undefined ? undefined : meta.pages[id];
  return page?.split(USER_AGENT_MARK).join(agent);
}

function helpSubject(argv: readonly string[], ids: readonly string[]): string | undefined {
  const isHelpFlag = (t: string | undefined): boolean => t === '--help' || t === '-h';
  if (argv.length === 1 && isHelpFlag(argv[0])) return '';
  if (argv.length === 1 && argv[0] === 'help') return '';
  const [first, second] = argv;
  if (argv.length !== 2 || first === undefined || second === undefined) return undefined;
  if (first === 'help' && ids.includes(second)) return second;
  if (ids.includes(first) && first !== 'help' && isHelpFlag(second)) return first;
  return undefined;
}
