/**
 * What the cluster tests ask the running kube-lab and its kernel: kubectl with the lab's kubeconfig,
 * commands on a node (its namespaces), what a client pod's connection did (`agnhost connect`), the
 * conntrack entries a node holds, and the odds kube-proxy wrote into its rules. These are the reality
 * netx's answers are held to; none of it goes through netx's own parsers.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { KubeLabContext } from './global-setup.js';
import { onMachine } from './hosts.js';
import { machineOf, type LabState } from './state.js';

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const result = (r: ReturnType<typeof spawnSync>): Result => ({ status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') });

export interface Lab {
  kubectl(args: string[], input?: string, timeout?: number): Result;
  onNode(node: string, argv: string[]): Result;
  exec(ns: string, pod: string, argv: string[]): Result;
  /** A command in the switch namespace: a host on the nodes' network that is no node. */
  onSwitch(argv: string[]): Result;
}

export function labClients(lab: KubeLabContext, state: LabState): Lab {
  const kubectl = (args: string[], input?: string, timeout = 60_000): Result =>
    result(
      spawnSync(path.join(lab.bin, 'kubectl'), [`--kubeconfig=${lab.kubeconfig}`, `--cache-dir=${path.join(lab.stateDir, 'kubectl-cache')}`, ...args], {
        encoding: 'utf8',
        input,
        timeout,
      }),
    );
  return {
    kubectl,
    onNode: (node, argv) => {
      const [cmd, ...args] = onMachine(machineOf(state, node), argv);
      return result(spawnSync(cmd as string, args, { encoding: 'utf8', timeout: 30_000 }));
    },
    exec: (ns, pod, argv) => kubectl(['-n', ns, 'exec', pod, '--', ...argv], undefined, 30_000),
    onSwitch: (argv) => result(spawnSync('ip', ['netns', 'exec', state.plan.switchNetns, ...argv], { encoding: 'utf8', timeout: 30_000 })),
  };
}

/** What a TCP connect from a pod did, as agnhost connect reports it (exit 0: connected). */
export type ConnectOutcome = 'connected' | 'refused' | 'timeout' | `other: ${string}`;

export function connectFrom(lab: Lab, ns: string, pod: string, target: string): ConnectOutcome {
  const r = lab.exec(ns, pod, ['/agnhost', 'connect', target, '--timeout=3s']);
  if (r.status === 0) return 'connected';
  const said = `${r.stdout}${r.stderr}`;
  if (/^REFUSED$/m.test(said)) return 'refused';
  if (/^TIMEOUT$/m.test(said)) return 'timeout';
  return `other: ${said.trim()}`;
}

/** One conntrack entry: the original and reply tuples (`conntrack -L` order: original first). */
export interface CtEntry {
  orig: { src: string; dst: string; dport: string };
  reply: { src: string; dst: string };
  unreplied: boolean;
}

/** The TCP entries a node's conntrack table holds towards `dst` (the original destination). */
export function conntrackTo(lab: Lab, node: string, dst: string): CtEntry[] {
  const r = lab.onNode(node, ['conntrack', '-L', '-p', 'tcp', '--orig-dst', dst]);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('src='))
    .map((line) => {
      const src = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1] as string);
      const dsts = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1] as string);
      const dport = /\bdport=(\d+)/.exec(line)?.[1] ?? '';
      return { orig: { src: src[0] ?? '', dst: dsts[0] ?? '', dport }, reply: { src: src[1] ?? '', dst: dsts[1] ?? '' }, unreplied: line.includes('[UNREPLIED]') };
    });
}

/**
 * The odds a new connection to `ns/name:portName` lands on each endpoint (`IP:PORT`), as kube-proxy
 * wrote them on a node: iptables mode's chain of `statistic random --probability` rules (each taken
 * with its probability of what is left), nftables mode's `numgen random mod N` (1/N each).
 */
export function proxyOdds(dump: string, mode: string, service: string, portName: string): Map<string, number> {
  return mode === 'nftables' ? nftOdds(dump, service, portName) : iptablesOdds(dump, service, portName);
}

function iptablesOdds(dump: string, service: string, portName: string): Map<string, number> {
  const lines = dump.split('\n');
  const svcChain = lines
    .find((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes(`--comment "${service}:${portName} cluster IP"`))
    ?.match(/-j (KUBE-SVC-\w+)/)?.[1];
  const odds = new Map<string, number>();
  let left = 1;
  for (const l of lines.filter((x) => svcChain && x.startsWith(`-A ${svcChain} `) && / -j KUBE-SEP-/.test(x))) {
    const sep = /-j (KUBE-SEP-\w+)/.exec(l)?.[1];
    const p = Number(/--probability (\S+)/.exec(l)?.[1] ?? '1');
    const to = lines.find((x) => x.startsWith(`-A ${sep} `) && x.includes('--to-destination'))?.match(/--to-destination (\S+)/)?.[1];
    if (to) odds.set(to, left * p);
    left *= 1 - p;
  }
  return odds;
}

function nftOdds(dump: string, service: string, portName: string): Map<string, number> {
  const start = dump.search(new RegExp(`chain service-\\w+-${service.replace(/[./]/g, (c) => `\\${c}`)}/tcp/${portName} \\{`));
  const body = start < 0 ? '' : dump.slice(start, dump.indexOf('\n\t}', start));
  // Older releases jump to a chain per endpoint (`vmap { 0 : goto endpoint-…__IP/PORT }`), newer ones DNAT
  // straight through a map (`dnat ip to numgen random mod N map { 0 : IP . PORT }`).
  const pick = /numgen random mod (\d+) v?map \{([^}]*)\}/.exec(body);
  const targets = [...(pick?.[2] ?? '').matchAll(/goto endpoint-\S+?__([\d.]+)\/(\d+)|\d+ : ([\d.]+) \. (\d+)/g)];
  return new Map(targets.map((m) => [`${m[1] ?? m[3]}:${m[2] ?? m[4]}`, 1 / Number(pick?.[1])]));
}

/** kube-proxy's rules on a node, in the dump that holds them for its mode. */
export const proxyRules = (lab: Lab, node: string, mode: string): string =>
  (mode === 'nftables' ? lab.onNode(node, ['nft', 'list', 'table', 'ip', 'kube-proxy']) : lab.onNode(node, ['iptables-save', '-t', 'nat'])).stdout;

/** Waits (up to 10 s) for a new namespace's default ServiceAccount: pods are refused until it exists. */
export function waitForDefaultServiceAccount(lab: Lab, ns: string): void {
  for (let i = 0; i < 50 && lab.kubectl(['-n', ns, 'get', 'serviceaccount', 'default']).status !== 0; i++) spawnSync('sleep', ['0.2']);
}
