/** Runs the built plugin the way a user does: bin/kubectl-netx as a subprocess. */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './corpus.js';
import { TestApiServer } from './api-server/index.js';

export const BIN = path.join(REPO_ROOT, 'bin', 'kubectl-netx');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** bin/kubectl-netx runs dist/: build it (incremental) unless the caller already did (`npm test` sets NETX_SKIP_BUILD). */
export function ensureBuilt(): void {
  if (!process.env.NETX_SKIP_BUILD) execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' });
}

/** Synchronous run, for commands that read a --snapshot file. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: opts.env ?? { ...process.env, NO_COLOR: '1' }, cwd: opts.cwd ?? REPO_ROOT, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Asynchronous run, for commands against a test API server living in this process (it must keep
 * answering while the CLI waits). `env` replaces the environment: a live run must not see the
 * developer's own kubeconfig.
 */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(BIN, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/**
 * A test API server serving `options.snapshot`, a kubeconfig pointing at it, and a runner whose
 * environment holds nothing else (its own HOME, so no developer kubeconfig leaks in).
 */
export async function liveCluster(options: Parameters<typeof TestApiServer.start>[0], label: string) {
  const server = await TestApiServer.start(options);
  const home = mkdtempSync(path.join(tmpdir(), `netx-${label}-`));
  const kubeconfig = server.writeKubeconfig(home);
  return {
    server,
    kubeconfig,
    run: (args: string[]): Promise<CliRun> => runCliAsync(args, { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' }),
    close: async (): Promise<void> => {
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
