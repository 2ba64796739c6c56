/**
 * `kube-lab up`: builds or reuses the components, starts a real cluster inside network namespaces and
 * waits until every node is Ready. Progress goes to stderr; the caller prints the KUBECONFIG line.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { run, sleep } from '../lab/exec.js';
import { buildComponents } from './build.js';
import { podCgroups } from './cgroups.js';
import {
  apiserverArgv,
  containerdArgv,
  controllerManagerArgv,
  etcdArgv,
  flanneldArgv,
  kubeletArgv,
  kubeProxyArgv,
  kubeRouterArgv,
  schedulerArgv,
  type Bins,
} from './daemons.js';
import { cniConflist, daemonRbac, kubeconfig, NODE_PATHS, parseSubnetEnv, publishedConfig, USERS, type SubnetEnv } from './files.js';
import { controlPlaneFiles, kubeProxyKubeconfig, labUsers, nodeFiles } from './machine-files.js';
import { createNetwork, hostPath, netnsFile, onMachine, routePodCidrs, startMachine, type Machine } from './hosts.js';
import { kubectl, waitApiserver } from './kube.js';
import { makePki, tokenOf, type Pki } from './pki.js';
import { makePlan, type HostPlan, type LabOptions, type LabPlan, type NodePlan } from './plan.js';
import { startDaemon, startForked, isRunning } from './procs.js';
import { machineOf, saveState, type LabState } from './state.js';

const FORWARD_BACKLOG = 1024;
import { progress } from './progress.js';

const IMAGES = ['pause', 'agnhost', 'netx-debug'] as const;

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Thrown where `up` notices it was asked to stop (SIGINT/SIGTERM): nothing more is started. */
export class Aborted extends Error {}

let abortSignal: AbortSignal | undefined;
const checkAbort = (): void => {
  if (abortSignal?.aborted) throw new Aborted('interrupted');
};

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkAbort();
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(250);
  }
}

const logTail = (file: string, lines = 15): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

class Starter {
  readonly state: LabState;
  readonly logDir: string;

  constructor(state: LabState, logDir: string) {
    this.state = state;
    this.logDir = logDir;
  }

  get plan(): LabPlan {
    return this.state.plan;
  }

  machine(label: string): Machine {
    return machineOf(this.state, label);
  }

  async start(label: string, name: string, argv: string[], env?: Record<string, string>): Promise<void> {
    checkAbort();
    const log = path.join(this.logDir, `${label}.${name}.log`);
    const rec = await startForked({ name, host: label, argv: onMachine(this.machine(label), argv), log, env });
    this.state.procs.push(rec);
    saveState(this.state);
    progress(`started ${name} on ${label} (pid ${rec.pid})`);
  }

  startPlain(label: string, name: string, argv: string[]): void {
    checkAbort();
    const rec = startDaemon({ name, host: label, argv, log: path.join(this.logDir, `${label}.${name}.log`) });
    this.state.procs.push(rec);
    saveState(this.state);
  }

  /** Fails with the daemon's log tail if it has exited. */
  alive(label: string, name: string): void {
    const rec = this.state.procs.find((p) => p.host === label && p.name === name);
    if (rec && !isRunning(rec)) throw new Error(`${name} on ${label} exited; last lines of ${rec.log}:\n${logTail(rec.log)}`);
  }

  mark(milestone: string, t0: number): void {
    this.state.timings[milestone] = Math.round((Date.now() - t0) / 100) / 10;
    saveState(this.state);
  }
}

async function startControlPlane(s: Starter, bins: Bins, pki: Pki, t0: number): Promise<void> {
  const { plan } = s;
  const cp = plan.controlPlane;
  await s.start('control-plane', 'etcd', etcdArgv());
  await waitFor('etcd', 30_000, async () => {
    s.alive('control-plane', 'etcd');
    const r = await run(onMachine(s.machine('control-plane'), ['etcdctl', '--endpoints=http://127.0.0.1:2379', 'endpoint', 'health']), { check: false });
    return r.exitCode === 0 ? true : undefined;
  });
  s.mark('etcd', t0);
  await s.start('control-plane', 'kube-apiserver', apiserverArgv(bins, pki));
  const sock = path.join(plan.stateDir, 'apiserver.sock');
  // socat listens with a backlog of 5: a client opening ten connections at once (netx's parallel lists) lost
  // SYNs and waited for TCP's 1 s retransmission. The apiserver's own listener takes the kernel's somaxconn.
  s.startPlain('control-plane', 'forward-unix', [
    'nsenter', `--net=${netnsFile(cp.netns)}`, '--', 'socat', `UNIX-LISTEN:${sock},fork,mode=600,backlog=${FORWARD_BACKLOG}`, `TCP:${cp.ip}:6443`,
  ]);
  s.startPlain('host', 'forward-loopback', ['socat', `TCP-LISTEN:${plan.apiPort},bind=127.0.0.1,reuseaddr,fork,backlog=${FORWARD_BACKLOG}`, `UNIX-CONNECT:${sock}`]);
  await waitApiserver(plan, pki.caPem, tokenOf(pki, USERS.admin), 120_000, () => s.alive('control-plane', 'kube-apiserver'));
  s.mark('apiserver', t0);
  progress(`kube-apiserver ready on https://127.0.0.1:${plan.apiPort}`);
  await s.start('control-plane', 'kube-controller-manager', controllerManagerArgv(bins, pki));
  await s.start('control-plane', 'kube-scheduler', schedulerArgv(bins));
  await kubectl(s.state, ['apply', '-f', '-'], `${daemonRbac()}---\n${publishedConfig(plan, kubeProxyKubeconfig(pki))}`);
}

async function nodePodCidr(state: LabState, node: NodePlan): Promise<string | undefined> {
  const r = await kubectl(state, ['get', 'node', node.name, '-o', 'jsonpath={.spec.podCIDR}'], undefined, false);
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

async function startNode(s: Starter, bins: Bins, node: NodePlan, t0: number): Promise<void> {
  const label = node.name;
  await s.start(label, 'containerd', containerdArgv());
  const ctr = (args: string[]): string[] => onMachine(s.machine(label), ['ctr', '-a', NODE_PATHS.containerdSocket, '-n', 'k8s.io', ...args]);
  await waitFor(`containerd on ${label}`, 30_000, async () => {
    s.alive(label, 'containerd');
    if (!existsSync(hostPath(node, NODE_PATHS.containerdSocket))) return undefined;
    return (await run(ctr(['version']), { check: false })).exitCode === 0 ? true : undefined;
  });
  for (const image of IMAGES) {
    checkAbort();
    await run(ctr(['images', 'import', path.join(bins.images, `${image}.tar`)]), { timeoutMs: 300_000 });
  }
  s.mark(`${label} images`, t0);
  await s.start(label, 'kubelet', kubeletArgv(bins, node));
  await s.start(label, 'kube-proxy', kubeProxyArgv(bins, node));
  await waitFor(`the podCIDR of ${label}`, 90_000, async () => {
    s.alive(label, 'kubelet');
    return nodePodCidr(s.state, node);
  });
  await s.start(label, 'flanneld', flanneldArgv(bins), { NODE_NAME: node.name });
  const env = await waitFor<SubnetEnv>(`flannel's subnet.env on ${label}`, 60_000, async () => {
    s.alive(label, 'flanneld');
    const file = hostPath(node, NODE_PATHS.flannelSubnetEnv);
    return existsSync(file) ? parseSubnetEnv(readFileSync(file, 'utf8')) : undefined;
  });
  // Written in place: a conflist renamed into net.d was seen not to be picked up by containerd 1.6.
  await run(onMachine(s.machine(label), ['sh', '-c', `mkdir -p ${path.dirname(NODE_PATHS.cniConflist)} && cat > ${NODE_PATHS.cniConflist}`]), { input: cniConflist(env) });
  await s.start(label, 'kube-router', kubeRouterArgv(bins, node));
}

interface NodeStatus {
  name: string;
  ready: boolean;
  podCidr?: string;
  message: string;
}

async function nodeStatuses(state: LabState): Promise<NodeStatus[]> {
  const r = await kubectl(state, ['get', 'nodes', '-o', 'json'], undefined, false);
  if (r.exitCode !== 0) return [];
  const list = JSON.parse(r.stdout) as {
    items: { metadata: { name: string }; spec: { podCIDR?: string }; status?: { conditions?: { type: string; status: string; message?: string }[] } }[];
  };
  return list.items.map((n) => {
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    return { name: n.metadata.name, ready: ready?.status === 'True', podCidr: n.spec.podCIDR, message: ready?.message ?? 'no Ready condition' };
  });
}

/** Starts the lab; once `signal` is aborted it starts nothing more and rejects with Aborted. */
export async function up(options: LabOptions, signal?: AbortSignal): Promise<LabState> {
  abortSignal = signal;
  const t0 = Date.now();
  const plan = makePlan(options);
  if (!(await portFree(plan.apiPort))) {
    throw new Error(`127.0.0.1:${plan.apiPort} is in use: stop what listens there or set NETX_KUBE_LAB_PORT to a free port`);
  }
  const bins = await buildComponents();
  checkAbort();
  progress(`components ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const logDir = path.join(plan.stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const state: LabState = {
    version: 1, plan, bins, startedAt: new Date().toISOString(), procs: [], netns: [], machines: [], podCgroupsBefore: podCgroups(), timings: {},
  };
  saveState(state);
  const s = new Starter(state, logDir);
  const t1 = Date.now();

  const pki = await makePki(mkdirP(path.join(plan.stateDir, 'pki')), labUsers(plan));
  writeFileSync(plan.kubeconfig, kubeconfig(`https://127.0.0.1:${plan.apiPort}`, pki.caPem, USERS.admin, { token: tokenOf(pki, USERS.admin) }), { mode: 0o600 });
  state.netns = [plan.switchNetns, plan.controlPlane.netns, ...plan.nodes.map((n) => n.netns)];
  saveState(state);
  await createNetwork(plan);
  const hosts: [HostPlan, string, boolean, Record<string, string>][] = [
    [plan.controlPlane, 'control-plane', false, controlPlaneFiles(pki)],
    ...plan.nodes.map((n): [HostPlan, string, boolean, Record<string, string>] => [n, n.name, true, nodeFiles(plan, n, pki)]),
  ];
  for (const [host, label, node, files] of hosts) {
    checkAbort();
    state.machines.push(await startMachine(host, label, { node, files, logDir }));
    saveState(state);
  }
  s.mark('namespaces', t1);
  progress(`namespaces ready: ${state.netns.join(', ')}`);

  await startControlPlane(s, bins, pki, t1);
  await Promise.all(plan.nodes.map((n) => startNode(s, bins, n, t1)));
  const nodes = await waitFor('every node to be Ready', 180_000, async () => {
    for (const n of plan.nodes) for (const d of ['containerd', 'kubelet', 'kube-proxy', 'flanneld', 'kube-router']) s.alive(n.name, d);
    const st = await nodeStatuses(state);
    return st.length === plan.nodes.length && st.every((n) => n.ready) ? st : undefined;
  });
  await routePodCidrs(plan, new Map(nodes.filter((n) => n.podCidr).map((n) => [n.name, n.podCidr as string])));
  s.mark('ready', t1);
  state.readyAt = new Date().toISOString();
  saveState(state);
  progress(`${plan.nodes.length} node(s) Ready: ${nodes.map((n) => `${n.name} ${n.podCidr ?? '?'}`).join(', ')} (start ${state.timings['ready']} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return state;
}

function mkdirP(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

