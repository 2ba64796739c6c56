/**
 * The kube-lab's "machines" (the control plane and each node): each has its own network namespace
 * (veth to the switch namespace) and its own mount, PID and UTS namespaces (its hostname is the node
 * name), held by one init process. In the mount namespace /etc, /run, /var/lib and /var/log are overlays whose upper layers live
 * in the machine's state directory, and /proc is the PID namespace's own. So everything a daemon writes
 * to a standard path (/run/containerd, /var/lib/cni, /var/log/containers, /etc/cni/net.d, /run/flannel …)
 * lands in that machine's state, and a hostPID pod on a node sees that node's processes only, as on a
 * real node. The kubelet and containerd roots are bind mounts of plain directories (containerd's
 * overlayfs snapshots cannot sit on an overlay).
 *
 * Ending the init ends every process of the machine (the kernel kills a PID namespace with its init)
 * and releases its mounts. All links are created directly inside lab namespaces: nothing is ever added
 * to the caller's network namespace.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, sleep } from '../lab/exec.js';
import { SWITCH_IP, type HostPlan, type LabPlan } from './plan.js';
import { childPids, procStartTime, startDaemon, type ProcRecord } from './procs.js';

const OVERLAID = ['etc', 'run', 'var/lib', 'var/log'] as const;

/** Directories bound into a node's mount namespace (containerd's snapshots cannot sit on an overlay). */
const NODE_BINDS = { '/var/lib/kubelet': 'kubelet', '/var/lib/containerd': 'containerd' } as const;

/**
 * Global sysctls the kubelet rewrites unless they already hold what it wants (setupKernelTunables):
 * inside a node's mount namespace, read-only files holding those values are bound over them.
 */
const KUBELET_SYSCTLS: Readonly<Record<string, number>> = {
  'vm/overcommit_memory': 1,
  'vm/panic_on_oom': 0,
  'kernel/panic': 10,
  'kernel/panic_on_oops': 1,
  'kernel/keys/root_maxkeys': 1_000_000,
  'kernel/keys/root_maxbytes': 25_000_000,
};

/** A started machine: its init (PID 1 of its PID namespace) and the unshare that holds it. */
export interface Machine {
  label: string;
  netns: string;
  /** unshare --kill-child, which started the init (it ignores SIGTERM while the init runs). */
  holder: ProcRecord;
  /** The machine's PID 1 (as this machine, outside the lab, numbers it). */
  initPid: number;
  initStartTime: string;
}

export const netnsFile = (netns: string): string => `/run/netns/${netns}`;
const upperDir = (host: HostPlan): string => path.join(host.dir, 'upper');

/** Where a file a lab machine sees at nsPath is stored on this machine. */
export function hostPath(host: HostPlan, nsPath: string): string {
  for (const [mountPoint, dir] of Object.entries(NODE_BINDS)) {
    if (nsPath === mountPoint || nsPath.startsWith(`${mountPoint}/`)) return path.join(host.dir, dir, nsPath.slice(mountPoint.length));
  }
  return path.join(upperDir(host), nsPath);
}

const ip = (netns: string, ...args: string[]): Promise<unknown> => run(['ip', '-n', netns, ...args]);
const sysctl = (netns: string, kv: string): Promise<unknown> => run(['ip', 'netns', 'exec', netns, 'sysctl', '-qw', kv]);

export async function createNetwork(plan: LabPlan): Promise<void> {
  const sw = plan.switchNetns;
  await run(['ip', 'netns', 'add', sw]);
  await ip(sw, 'link', 'set', 'lo', 'up');
  await ip(sw, 'link', 'add', 'br0', 'type', 'bridge');
  await ip(sw, 'addr', 'add', `${SWITCH_IP}/24`, 'dev', 'br0');
  await ip(sw, 'link', 'set', 'br0', 'up');
  for (const host of [plan.controlPlane, ...plan.nodes]) {
    await run(['ip', 'netns', 'add', host.netns]);
    await run(['ip', 'link', 'add', host.swVeth, 'netns', sw, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns]);
    await ip(sw, 'link', 'set', host.swVeth, 'master', 'br0', 'up');
    await ip(host.netns, 'link', 'set', 'lo', 'up');
    await ip(host.netns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
    await ip(host.netns, 'link', 'set', 'eth0', 'up');
    await ip(host.netns, 'route', 'add', 'default', 'via', SWITCH_IP);
  }
  for (const node of plan.nodes) {
    await sysctl(node.netns, 'net.ipv4.ip_forward=1');
    await sysctl(node.netns, 'net.bridge.bridge-nf-call-iptables=1');
    await sysctl(node.netns, 'net.bridge.bridge-nf-call-ip6tables=1');
  }
}

/** Routes from the control plane to each node's podCIDR (the apiserver reaches pods as a node would). */
export async function routePodCidrs(plan: LabPlan, podCidrs: ReadonlyMap<string, string>): Promise<void> {
  for (const node of plan.nodes) {
    const cidr = podCidrs.get(node.name);
    if (cidr) await ip(plan.controlPlane.netns, 'route', 'replace', cidr, 'via', node.ip);
  }
}

function initScript(host: HostPlan, label: string, node: boolean, ready: string): string {
  const upper = upperDir(host);
  const work = path.join(host.dir, 'work');
  const lines = ['set -e', `hostname ${label}`];
  for (const d of OVERLAID) {
    lines.push(`mount -t overlay kube-lab -o lowerdir=/${d},upperdir=${path.join(upper, d)},workdir=${path.join(work, d)} /${d}`);
  }
  if (node) {
    for (const [mountPoint, dir] of Object.entries(NODE_BINDS)) lines.push(`mkdir -p ${mountPoint}`, `mount --bind ${path.join(host.dir, dir)} ${mountPoint}`);
  }
  lines.push('mount -t proc proc /proc');
  if (node) {
    for (const key of Object.keys(KUBELET_SYSCTLS)) {
      const file = path.join(host.dir, 'sysctl', key.replaceAll('/', '.'));
      lines.push(`mount --bind ${file} /proc/sys/${key}`, `mount -o remount,bind,ro /proc/sys/${key}`);
    }
  }
  // PID 1 of the machine: bash reaps the orphans it inherits (containerd's shims) while it waits.
  lines.push(`touch ${ready}`, "trap 'exit 0' TERM", 'while :; do sleep 3600 & wait $! || true; done');
  return lines.join('\n');
}

/**
 * Starts a machine: writes `files` (paths as the machine sees them) into its layers, then starts its
 * init in the machine's network namespace with new mount and PID namespaces, and waits until the
 * mounts are in place.
 */
export async function startMachine(host: HostPlan, label: string, opts: { node: boolean; files: Record<string, string>; logDir: string }): Promise<Machine> {
  for (const d of OVERLAID) {
    mkdirSync(path.join(upperDir(host), d), { recursive: true });
    mkdirSync(path.join(host.dir, 'work', d), { recursive: true });
  }
  if (opts.node) {
    for (const dir of Object.values(NODE_BINDS)) mkdirSync(path.join(host.dir, dir), { recursive: true });
    mkdirSync(path.join(host.dir, 'sysctl'), { recursive: true });
    for (const [key, value] of Object.entries(KUBELET_SYSCTLS)) writeFileSync(path.join(host.dir, 'sysctl', key.replaceAll('/', '.')), `${value}\n`);
  }
  for (const [file, content] of Object.entries(opts.files)) {
    const target = hostPath(host, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content, { mode: /token|\.conf$|kubeconfig/.test(file) ? 0o600 : 0o644 });
  }
  const ready = path.join(host.dir, 'init.ready');
  const holder = startDaemon({
    name: 'init',
    host: label,
    argv: ['nsenter', `--net=${netnsFile(host.netns)}`, '--', 'unshare', '--mount', '--propagation=slave', '--uts', '--pid', '--kill-child', '--', 'bash', '-c', initScript(host, label, opts.node, ready)],
    log: path.join(opts.logDir, `${label}.init.log`),
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const init = childPids(holder.pid)[0];
    const initStartTime = init === undefined ? undefined : procStartTime(init);
    if (init !== undefined && initStartTime !== undefined && existsSync(ready)) return { label, netns: host.netns, holder, initPid: init, initStartTime };
    if (procStartTime(holder.pid) !== holder.startTime) throw new Error(`the init of ${label} exited; see ${holder.log}`);
    if (Date.now() > deadline) throw new Error(`the init of ${label} did not come up in 20 s; see ${holder.log}`);
    await sleep(50);
  }
}

/** argv running a command on a lab machine: in its network, mount and PID namespaces. */
export const onMachine = (m: Pick<Machine, 'initPid'>, argv: readonly string[]): string[] => [
  'nsenter', `--target=${m.initPid}`, '--net', '--mount', '--pid', '--uts', '--', ...argv,
];
