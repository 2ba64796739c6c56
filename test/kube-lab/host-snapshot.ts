/**
 * What the kube-lab must leave exactly as it found it on the machine it runs on: global and host-namespace
 * sysctls, the paths upstream daemons write to by default, the host network namespace's links, addresses,
 * routes, rules and netfilter rules, and the processes of the lab's programs. `diffHostSnapshots` names
 * every difference.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { podCgroups } from './cgroups.js';

/** Paths kubelet, containerd, libcni, flannel, kube-router, the controller-manager and kubectl write by default. */
const WATCHED_PATHS = [
  '/var/log/containers', '/var/log/pods', '/var/lib/kubelet', '/usr/libexec/kubernetes', path.join(os.homedir(), '.kube/cache'),
  '/run/containerd', '/var/lib/containerd', '/opt/containerd', '/var/lib/cni', '/etc/cni', '/opt/cni', '/run/flannel',
  '/etc/kube-flannel', '/etc/kubernetes', '/var/lib/kube-proxy', '/var/lib/kube-router', '/var/run/kubernetes', '/var/lib/etcd',
];

/** Sysctls that move by themselves (counters, random values, self-tuning limits). */
const VOLATILE_SYSCTL = /^(fs\.(dentry-state|file-nr|inode-nr|inode-state|aio-nr|quota\.)|kernel\.(random\.|ns_last_pid|pty\.nr|perf_event_max_sample_rate|sched_domain)|net\.netfilter\.nf_conntrack_count)/;

const LAB_PROGRAMS = /^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|flanneld|kube-router|containerd|containerd-shim.*|runc|agnhost|crictl|ctr)$/;

export interface HostSnapshot {
  sysctls: Record<string, string>;
  paths: Record<string, string[]>;
  net: Record<string, string>;
  /** `pid comm cmdline` of every process running one of the lab's programs or naming the lab's state dir. */
  labProcesses: string[];
  /** The lab's network namespaces (names under /run/netns starting with kl-). */
  labNetns: string[];
  /** containerd's pod cgroups (…/k8s.io and its children) in every hierarchy. */
  podCgroups: string[];
}

function sysctlAll(): Record<string, string> {
  const out = spawnSync('sysctl', ['-a'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  const map: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf(' = ');
    if (i > 0) map[line.slice(0, i)] = line.slice(i + 3);
  }
  return map;
}

/** Sysctls, minus those seen to change between two reads a moment apart or known to move alone. */
function stableSysctls(): Record<string, string> {
  const a = sysctlAll();
  const b = sysctlAll();
  return Object.fromEntries(Object.entries(b).filter(([k, v]) => a[k] === v && !VOLATILE_SYSCTL.test(k)));
}

function listTree(p: string): string[] {
  if (!existsSync(p)) return ['(absent)'];
  const r = spawnSync('find', [p, '-printf', '%y %m %p\n'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.stdout.split('\n').filter(Boolean).sort();
}

const cmd = (argv: string[]): string => {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  return `${r.status === 0 ? '' : `(exit ${r.status}) `}${r.stdout}${r.stderr}`;
};

function hostNet(): Record<string, string> {
  const noCounters = (s: string): string => s.replace(/counter packets \d+ bytes \d+/g, 'counter').replace(/^\[\d+:\d+\]/gm, '').replace(/^#.*$/gm, '');
  return {
    links: cmd(['ip', '-d', 'link', 'show']),
    addresses: cmd(['ip', 'addr', 'show']),
    routes: cmd(['ip', 'route', 'show', 'table', 'all']),
    routes6: cmd(['ip', '-6', 'route', 'show', 'table', 'all']),
    rules: cmd(['ip', 'rule', 'show']),
    rules6: cmd(['ip', '-6', 'rule', 'show']),
    nft: noCounters(cmd(['nft', 'list', 'ruleset'])),
    iptablesLegacy: noCounters(cmd(['iptables-legacy-save'])),
    ipsets: cmd(['ipset', 'list', '-n']),
  };
}

function labProcesses(stateDir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3))) continue; // exited, not yet reaped
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let exe = '';
      try {
        exe = path.basename(readlinkSync(`/proc/${d}/exe`));
      } catch {
        // kernel thread
      }
      if (LAB_PROGRAMS.test(exe) || LAB_PROGRAMS.test(comm) || cmdline.includes(stateDir)) out.push(`${d} ${comm} ${cmdline}`);
    } catch {
      // exited while listed
    }
  }
  return out.sort();
}

export function hostSnapshot(stateDir: string): HostSnapshot {
  return {
    sysctls: stableSysctls(),
    paths: Object.fromEntries(WATCHED_PATHS.map((p) => [p, listTree(p)])),
    net: hostNet(),
    labProcesses: labProcesses(stateDir),
    labNetns: existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith('kl-')).sort() : [],
    podCgroups: podCgroups(),
  };
}

/**
 * Differences between two snapshots, one line each; sysctls present in only one (volatile) are ignored.
 * The lab's processes and namespaces are compared only after `down` (while it runs, they exist).
 */
export function diffHostSnapshots(before: HostSnapshot, after: HostSnapshot, opts: { afterDown: boolean }): string[] {
  const diffs: string[] = [];
  for (const [k, v] of Object.entries(before.sysctls)) {
    const now = after.sysctls[k];
    if (now !== undefined && now !== v) diffs.push(`sysctl ${k}: ${v} → ${now}`);
  }
  for (const [p, list] of Object.entries(before.paths)) {
    const now = after.paths[p] ?? [];
    if (list.join('\n') !== now.join('\n')) diffs.push(`path ${p}: ${list.slice(0, 5).join(', ')} → ${now.slice(0, 5).join(', ')}`);
  }
  for (const [k, v] of Object.entries(before.net)) {
    if (after.net[k] !== v) diffs.push(`host network ${k} changed:\n--- before\n${v}\n--- after\n${after.net[k] ?? ''}`);
  }
  if (opts.afterDown && before.labProcesses.join('\n') !== after.labProcesses.join('\n')) {
    diffs.push(`lab processes: before [${before.labProcesses.join('; ')}] after [${after.labProcesses.join('; ')}]`);
  }
  if (opts.afterDown && before.labNetns.join(' ') !== after.labNetns.join(' ')) {
    diffs.push(`lab network namespaces: before [${before.labNetns.join(' ')}] after [${after.labNetns.join(' ')}]`);
  }
  if (opts.afterDown && before.podCgroups.join(' ') !== after.podCgroups.join(' ')) {
    diffs.push(`pod cgroups: before [${before.podCgroups.join(' ')}] after [${after.podCgroups.join(' ')}]`);
  }
  return diffs;
}
