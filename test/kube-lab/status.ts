/** `kube-lab status`: what runs where, its memory, the logs, the nodes and the KUBECONFIG. */
import { kubectl } from './kube.js';
import { labEnv } from './plan.js';
import { isRunning, rssKiB } from './procs.js';
import { loadState, type LabState } from './state.js';

interface DaemonStatus {
  host: string;
  name: string;
  pid: number;
  running: boolean;
  rssMiB?: number;
  log: string;
}

function daemonStatuses(state: LabState): DaemonStatus[] {
  return state.procs.map((p) => {
    const running = isRunning(p);
    const rss = running ? rssKiB(p.pid) : undefined;
    return { host: p.host, name: p.name, pid: p.pid, running, rssMiB: rss === undefined ? undefined : Math.round(rss / 1024), log: p.log };
  });
}

/** The lab is up when its state says every node was Ready and every daemon it started still runs. */
export const labRunning = (state: LabState): boolean => state.readyAt !== undefined && state.procs.every(isRunning);

export async function status(out: (line: string) => void): Promise<number> {
  const state = loadState(labEnv().stateDir);
  if (!state) {
    out('kube-lab: not running (no state in ' + labEnv().stateDir + ')');
    return 3;
  }
  const { options } = state.plan;
  const up = labRunning(state);
  out(`kube-lab: ${up ? 'running' : state.readyAt ? 'DEGRADED (a daemon has exited)' : 'starting or failed before Ready'}` +
    ` — ${options.nodes} node(s), kube-proxy ${options.proxyMode}, flannel ${options.backend}; started ${state.startedAt}`);
  out(`state: ${state.plan.stateDir}   binaries: ${state.bins.dir}`);
  out(`namespaces: ${state.netns.join(' ')}`);
  const rows = daemonStatuses(state);
  const w = Math.max(...rows.map((r) => `${r.host}/${r.name}`.length), 10);
  for (const r of rows) {
    out(`  ${`${r.host}/${r.name}`.padEnd(w)}  pid ${String(r.pid).padStart(7)}  ${r.running ? `running  ${String(r.rssMiB ?? '?').padStart(4)} MiB` : 'EXITED         '}  ${r.log}`);
  }
  if (Object.keys(state.timings).length > 0) out(`start times (s): ${Object.entries(state.timings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (up) {
    const nodes = await kubectl(state, ['get', 'nodes', '-o', 'wide'], undefined, false);
    out(nodes.exitCode === 0 ? nodes.stdout.trimEnd() : `kubectl get nodes failed: ${nodes.stderr.trim()}`);
  }
  out(`export KUBECONFIG=${state.plan.kubeconfig}`);
  return up ? 0 : 1;
}
