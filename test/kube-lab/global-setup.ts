/**
 * The `cluster` project's fixture: takes down a lab an earlier run left, records the machine's state, brings the kube-lab up once through the
 * real command (`npm run kube-lab -- up`, whose last stdout line must be `export KUBECONFIG=…`), hands
 * the kubeconfig to the tests, and takes the lab down afterwards, also when a test fails or the run is
 * interrupted. After `down`, the machine must be as it was: any difference fails the run.
 *
 * One lab per machine: a lock held for the whole project keeps concurrent runs (other worktrees) from
 * replacing each other's lab. NETX_KUBE_LAB_PROXY_MODE picks kube-proxy's mode (default iptables).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { diffHostSnapshots, hostSnapshot, type HostSnapshot } from './host-snapshot.js';
import { labRequired } from '../lab/support.js';
import { labEnv } from './plan.js';

export interface KubeLabContext {
  kubeconfig: string;
  bin: string;
  stateDir: string;
  proxyMode: string;
  hostBefore: HostSnapshot;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running lab, or why it cannot run on this machine (the tests then skip, unless NETX_REQUIRE_LAB=1). */
    kubeLab: KubeLabContext | { missing: string };
  }
}

/** Programs `up` and the tests run besides the ones the lab builds. */
const TOOLS = ['containerd', 'runc', 'ctr', 'etcd', 'etcdctl', 'go', 'debootstrap', 'socat', 'openssl', 'nsenter', 'unshare', 'flock', 'curl', 'ip', 'iptables-save', 'nft'];

/** What keeps the kube-lab from running here ([] when it can run). */
function kubeLabMissing(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (run as uid 0)');
  for (const tool of TOOLS) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(tool);
  if (missing.length > 1 || (missing.length === 1 && !missing[0]?.startsWith('root'))) {
    missing.push('(apt-get install containerd runc containernetworking-plugins etcd-server etcd-client debootstrap socat curl; a Go toolchain)');
  }
  return missing;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOCK = '/tmp/netx-kube-lab.lock';

const NPM_LAB = (args: string[]): [string, string[]] => ['npm', ['run', '--silent', 'kube-lab', '--', ...args]];

/** Runs `npm run kube-lab -- ARGS` without blocking vitest's event loop; its progress goes to our stderr. */
function npmLab(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const [cmd, argv] = NPM_LAB(args);
    const child = spawn(cmd, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.on('error', () => resolve({ status: null, stdout }));
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

/** The same, blocking: for a signal handler, which must finish before the process exits. */
function npmLabSync(args: string[]): void {
  const [cmd, argv] = NPM_LAB(args);
  spawnSync(cmd, argv, { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
}

/** Holds the machine-wide lab lock until this process exits (flock's child keeps it while stdin is open). */
function takeLock(): Promise<ChildProcess> {
  writeFileSync(LOCK, '', { flag: 'a' });
  return new Promise((resolve, reject) => {
    // Once flock holds the lock, the shell says so and cat waits on our pipe (its end releases the lock).
    const child = spawn('flock', ['-x', LOCK, 'sh', '-c', 'echo locked; exec cat'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let held = false;
    child.stdout.on('data', (b: Buffer) => {
      if (!held && b.toString().startsWith('locked')) {
        held = true;
        resolve(child);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!held) reject(new Error(`flock ${LOCK} exited ${code} before holding the lock`));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = kubeLabMissing();
  if (missing.length > 0) {
    const why = `kube-lab prerequisites missing: ${missing.join(', ')}`;
    if (labRequired()) throw new Error(`${why} (NETX_REQUIRE_LAB=1: the cluster tests must run)`);
    project.provide('kubeLab', { missing: why });
    return async () => undefined;
  }
  const stateDir = labEnv().stateDir;
  const lock = await takeLock();
  const proxyMode = process.env['NETX_KUBE_LAB_PROXY_MODE'] ?? 'iptables';
  // A lab an interrupted run left behind is ours (its state names its PIDs): take it down first, so the
  // machine's state we compare against afterwards is the machine's own, not that lab's.
  const leftover = await npmLab(['down']);
  if (leftover.status !== 0) throw new Error(`kube-lab down (of a lab left by an earlier run) exited ${leftover.status}`);
  const hostBefore = hostSnapshot(stateDir);
  let tornDown = false;
  const tearDown = async (): Promise<string[]> => {
    if (tornDown) return [];
    tornDown = true;
    const r = await npmLab(['down']);
    const diffs = diffHostSnapshots(hostBefore, hostSnapshot(stateDir), { afterDown: true });
    lock.stdin?.end();
    return r.status === 0 ? diffs : [`kube-lab down exited ${r.status}`, ...diffs];
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!tornDown) {
      tornDown = true;
      npmLabSync(['down']);
    }
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const r = await npmLab(['up', '--proxy-mode', proxyMode, '--fresh']);
  const last = r.stdout.trimEnd().split('\n').pop() ?? '';
  const m = /^export KUBECONFIG=(\/\S+)$/.exec(last);
  if (r.status !== 0 || !m?.[1]) {
    const diffs = await tearDown();
    throw new Error(`kube-lab up failed (exit ${r.status}, last stdout line ${JSON.stringify(last)})${diffs.length ? `; and after down: ${diffs.join('\n')}` : ''}`);
  }
  const bin = spawnSync(path.join(REPO, 'test/kube-lab/build.sh'), ['--print'], { encoding: 'utf8' }).stdout.trim();
  project.provide('kubeLab', { kubeconfig: m[1], bin, stateDir, proxyMode, hostBefore });

  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const diffs = await tearDown();
    if (diffs.length > 0) throw new Error(`the kube-lab left the machine changed:\n${diffs.join('\n')}`);
  };
}
