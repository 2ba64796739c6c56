/**
 * npm run kube-lab -- up [--proxy-mode iptables|nftables] [--nodes N] [--backend vxlan|host-gw] [--fresh]
 * npm run kube-lab -- down
 * npm run kube-lab -- status
 *
 * `up` prints `export KUBECONFIG=<path>` as its last stdout line; everything else goes to stderr.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from '../lab/exec.js';
import { pidAlive } from '../lab/netns.js';
import { down } from './down.js';
import { labEnv, parseUpArgs, sameOptions } from './plan.js';
import { progress } from './progress.js';
import { loadState, type LabState } from './state.js';
import { labRunning, status } from './status.js';
import { Aborted, up } from './up.js';

const USAGE = 'usage: npm run kube-lab -- up [--proxy-mode iptables|nftables] [--nodes N] [--backend vxlan|host-gw] [--fresh] | down | status';

function printKubeconfig(state: LabState): void {
  process.stdout.write(`export KUBECONFIG=${state.plan.kubeconfig}\n`);
}

async function cmdUp(args: string[]): Promise<number> {
  const opts = parseUpArgs(args);
  const existing = loadState(labEnv().stateDir);
  if (existing && !opts.fresh && labRunning(existing) && sameOptions(existing.plan.options, opts)) {
    progress('the lab already runs with these options (--fresh replaces it)');
    printKubeconfig(existing);
    return 0;
  }
  if (existing) progress('replacing the running lab');
  await down();
  // A signal stops `up` at its next step; then the half-built lab is taken down and we exit 130/143.
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = sig;
    progress(`${sig}: stopping, then taking the half-built lab down`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const state = await up({ nodes: opts.nodes, proxyMode: opts.proxyMode, backend: opts.backend }, controller.signal);
    if (!signalled) {
      printKubeconfig(state);
      return 0;
    }
  } catch (e) {
    if (!signalled && !(e instanceof Aborted)) throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  await down();
  return signalled === 'SIGTERM' ? 143 : 130;
}

/**
 * One `up` or `down` at a time on this machine (a second one waits): a directory holding the owner's
 * PID, taken over when that process is gone.
 */
async function withLabLock<T>(fn: () => Promise<T>): Promise<T> {
  const dir = `${labEnv().stateDir}.lock`;
  const pidFile = path.join(dir, 'pid');
  for (let waited = 0; ; waited++) {
    try {
      mkdirSync(dir);
      writeFileSync(pidFile, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(pidFile, { encoding: 'utf8', flag: 'a+' }) || 0);
      if (!owner || !pidAlive(owner)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (waited === 0) progress(`waiting for another kube-lab command (pid ${owner})`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (process.getuid?.() !== 0) throw new Error('kube-lab needs root (network and mount namespaces)');
  switch (cmd) {
    case 'up':
      return withLabLock(() => cmdUp(rest));
    case 'down':
      if (rest.length > 0) throw new Error(USAGE);
      return withLabLock(async () => {
        if (!(await down())) progress('no lab to take down');
        return 0;
      });
    case 'status':
      return status((l) => process.stdout.write(`${l}\n`));
    default:
      throw new Error(USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`kube-lab: ${e instanceof Error ? e.message : String(e)}\n`);
    const st = loadState(labEnv().stateDir);
    if (st) process.stderr.write(`logs: ${st.plan.stateDir}/logs (the lab is left as it is: npm run kube-lab -- down removes it)\n`);
    process.exit(1);
  },
);
