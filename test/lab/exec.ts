/**
 * Process plumbing for the lab: run a command (optionally inside a network namespace), capture
 * stdout/stderr/exit code/duration, and keep long-running helpers (servers, monitors) tracked so
 * teardown can end exactly the processes the lab started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface RunResult {
  argv: string[];
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Throw (with stderr) on a non-zero exit. Default true. */
  check?: boolean;
}

/** argv prefix that runs a command inside a named network namespace. */
export const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

/** Runs argv to completion. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('run: empty argv');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`lab: cannot run ${argv.join(' ')}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res: RunResult = {
        argv,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? (signal ? 128 : 1),
        durationMs: Math.round(performance.now() - started),
      };
      if ((opts.check ?? true) && res.exitCode !== 0) {
        reject(new Error(`lab: ${argv.join(' ')} exited ${res.exitCode}: ${res.stderr.trim() || res.stdout.trim()}`));
      } else resolve(res);
    });
    if (child.stdin) {
      // A command may exit before reading its input; that shows in its exit code, not as EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** Synchronous variant for teardown paths that run inside signal handlers. Never throws. */
export function runSync(argv: string[]): { exitCode: number; stdout: string; stderr: string } {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd ?? 'false', args, { encoding: 'utf8', timeout: 20_000 });
  return { exitCode: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A started background process the lab owns. */
export interface Background {
  child: ChildProcess;
  argv: string[];
  /** Output collected so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running process; stop() ends it (SIGTERM, then SIGKILL) and waits for exit. */
export function startBackground(argv: string[]): Background {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('startBackground: empty argv');
  // Own process group so stop() also ends children (socat forks, ip netns exec).
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => chunks.push(b));
  child.stderr?.on('data', (b: Buffer) => chunks.push(b));
  child.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    argv,
    output: () => Buffer.concat(chunks).toString('utf8'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Signals a background process's group (it was started detached, so it leads one). */
function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Packets the first counter of an nft chain in `ns` counted (`nft list chain FAMILY TABLE CHAIN`). */
export async function chainCounter(ns: string, family: string, table: string, chain: string): Promise<number> {
  const listed = await run(inNs(ns, ['nft', 'list', 'chain', family, table, chain]));
  const packets = /counter packets (\d+)/.exec(listed.stdout)?.[1];
  if (packets === undefined) throw new Error(`no counter in ${family} ${table} ${chain}:\n${listed.stdout}`);
  return Number(packets);
}
