/**
 * `kube-lab down`: ends exactly the processes the lab started (by PID and start time), removes the pods
 * through the CRI first so containerd tears down what it set up, ends each machine's init (the kernel
 * then ends whatever is left in the machine's PID namespace, and its mount namespace with every overlay
 * and volume mount goes with it), deletes the lab's network namespaces and its state directory. Nothing
 * outside the lab's namespaces and state directory is touched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../lab/exec.js';
import { podCgroups, removeNewPodCgroups } from './cgroups.js';
import { NODE_PATHS } from './files.js';
import { netnsFile, onMachine } from './hosts.js';
import { labEnv, makePlan, DEFAULT_OPTIONS, NS_PREFIX } from './plan.js';
import { progress } from './progress.js';
import { isRunning, labProcesses, nsId, stopProcesses, type ProcRecord } from './procs.js';
import { loadState, type LabState } from './state.js';

const NODE_DAEMONS = ['kube-router', 'flanneld', 'kube-proxy'];
const CONTROL_PLANE_ORDER = ['kube-scheduler', 'kube-controller-manager', 'forward-loopback', 'forward-unix', 'kube-apiserver', 'etcd'];

/** Mounts (in this mount namespace) at or below dir, deepest first. */
function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** What an `up` that died before writing its state file may have left: the lab's namespaces and state dir. */
function strayState(stateDir: string): LabState | undefined {
  const plan = makePlan(DEFAULT_OPTIONS, { ...labEnv(), stateDir });
  const names = (n: string): boolean => n === plan.switchNetns || n === plan.controlPlane.netns || /^kl-node-\d+$/.test(n);
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter(names) : [];
  if (netns.length === 0 && !existsSync(stateDir)) return undefined;
  // Without a state file nobody knows which pod cgroups were there before: leave them all.
  return { version: 1, plan, bins: { dir: '', images: '' }, startedAt: '', procs: [], netns, machines: [], podCgroupsBefore: podCgroups(), timings: {} };
}

async function removePods(state: LabState): Promise<void> {
  const crictl = path.join(state.bins.dir, 'crictl');
  await Promise.all(
    state.machines.map(async (m) => {
      const containerd = state.procs.find((p) => p.host === m.label && p.name === 'containerd');
      if (!containerd || !isRunning(containerd) || !existsSync(crictl)) return;
      const argv = onMachine(m, [crictl, `--runtime-endpoint=unix://${NODE_PATHS.containerdSocket}`, '--timeout=20s', 'rmp', '--all', '--force']);
      const r = await run(argv, { check: false, timeoutMs: 90_000 });
      if (r.exitCode !== 0) progress(`${m.label}: crictl rmp failed (${r.stderr.trim().split('\n').pop() ?? ''}); its containers end with the node`);
    }),
  );
}

export async function down(stateDir = labEnv().stateDir): Promise<boolean> {
  const state = loadState(stateDir) ?? strayState(stateDir);
  if (!state) return false;
  const t0 = Date.now();
  const { plan } = state;
  const holders = state.machines.map((m) => m.holder);
  const nsIds = new Set(
    [
      ...state.netns.map((n) => nsId(netnsFile(n), 'net')),
      ...state.machines.filter((m) => isRunning(m.holder)).flatMap((m) => [nsId(`/proc/${m.initPid}/ns/mnt`, 'mnt'), nsId(`/proc/${m.initPid}/ns/pid`, 'pid')]),
    ].filter((x): x is string => x !== undefined),
  );
  // Everything the lab owns, listed before any parent exits (orphans are re-parented away from it).
  const owned = labProcesses([...state.procs, ...holders], nsIds);
  const named = (names: string[]): ProcRecord[] => state.procs.filter((p) => names.includes(p.name));

  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    const t = Date.now();
    await fn();
    progress(`${what} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  await step('stopped the kubelets', () => stopProcesses(named(['kubelet']), 10_000));
  await step('removed the pods', () => removePods(state));
  await step('stopped the node daemons', () => stopProcesses(named([...NODE_DAEMONS, 'containerd']), 10_000));
  for (const name of CONTROL_PLANE_ORDER) await step(`stopped ${name}`, () => stopProcesses(named([name]), name === 'kube-apiserver' ? 30_000 : 10_000));
  // SIGTERM ends an init (its trap exits); the kernel then ends the rest of its PID namespace.
  const inits = state.machines.map((m) => ({ pid: m.initPid, startTime: m.initStartTime }));
  await step('ended the machines', () => stopProcesses([...inits, ...holders], 5_000));
  const rest = [...owned, ...labProcesses([...state.procs, ...holders], nsIds)].map((p) => ({ pid: p.pid, startTime: p.startTime }));
  await step('ended what was left', () => stopProcesses(rest, 3_000));
  const survivors = rest.filter(isRunning);
  if (survivors.length > 0) throw new Error(`kube-lab down: processes still running: ${[...new Set(survivors.map((p) => p.pid))].join(' ')}`);

  const cgroupsLeft = removeNewPodCgroups(state.podCgroupsBefore);
  if (cgroupsLeft.length > 0) throw new Error(`kube-lab down: cgroups the lab made could not be removed: ${cgroupsLeft.join(' ')}`);
  await step('deleted the network namespaces', async () => {
    for (const ns of state.netns) {
      if (!ns.startsWith(NS_PREFIX)) continue; // the state only ever names kl- namespaces
      if (existsSync(netnsFile(ns))) await run(['ip', 'netns', 'del', ns], { check: false });
    }
  });
  const left = mountsUnder(plan.stateDir);
  if (left.length > 0) throw new Error(`kube-lab down: still mounted under ${plan.stateDir}: ${left.join(' ')}`);
  await step('removed the state', async () => {
    await run(['rm', '-rf', '--one-file-system', plan.stateDir], { timeoutMs: 300_000 });
  });
  progress(`lab down in ${((Date.now() - t0) / 1000).toFixed(1)} s (${new Set(owned.map((p) => p.pid)).size} processes ended, ${state.netns.length} network namespaces deleted)`);
  return true;
}
