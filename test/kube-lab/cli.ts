/**
 * npm run kube-lab -- up [--proxy-mode iptables|nftables] [--nodes N] [--backend vxlan|host-gw] [--fresh]
 * npm run kube-lab -- down
 * npm run kube-lab -- status
 *
 * `up` prints `export KUBECONFIG=<path>` as its last stdout line; everything else goes to stderr.
 */
import { down } from './down.js';
import { labEnv, parseUpArgs, sameOptions } from './plan.js';
import { progress } from './progress.js';
import { loadState, type LabState } from './state.js';
import { labRunning, status } from './status.js';
import { up } from './up.js';

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
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    progress(`${sig}: tearing the half-built lab down`);
    void down().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const state = await up({ nodes: opts.nodes, proxyMode: opts.proxyMode, backend: opts.backend });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  printKubeconfig(state);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (process.getuid?.() !== 0) throw new Error('kube-lab needs root (network and mount namespaces)');
  switch (cmd) {
    case 'up':
      return cmdUp(rest);
    case 'down':
      if (rest.length > 0) throw new Error(USAGE);
      if (!(await down())) progress('no lab to take down');
      return 0;
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
