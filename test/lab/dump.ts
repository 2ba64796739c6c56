/**
 * The lab's dump step: runs the probe command catalogue inside each node namespace (exactly the
 * commands `kubectl netx collect` runs on a real node) and writes a Snapshot whose API objects
 * describe the lab, so fixtures look like a capture from a real cluster.
 */
import { release } from 'node:os';
import { inNs, run } from './exec.js';
import type { Lab } from './build.js';
import { cniFile, labObjects } from './objects.js';
import { clusterCIDR, serviceCIDR } from './spec.js';
import type { DumpKey, DumpResult, NodeCapture, Snapshot } from '../../src/snapshot/types.js';

/** Dump key → argv, in collection order. `sysctl` is built per node (it names each interface). */
export const LAB_CATALOGUE: ReadonlyArray<readonly [DumpKey, readonly string[]]> = [
  ['addr', ['ip', '-j', 'addr', 'show']],
  ['link', ['ip', '-d', '-j', 'link', 'show']],
  ['rule', ['ip', '-j', 'rule', 'show']],
  ['route', ['ip', '-j', 'route', 'show', 'table', 'all']],
  ['neigh', ['ip', '-j', 'neigh', 'show']],
  ['fdb', ['bridge', '-j', 'fdb', 'show']],
  ['iptables', ['iptables-save']],
  ['iptables-nft', ['iptables-nft-save']],
  ['ip6tables', ['ip6tables-save']],
  ['nft', ['nft', '-j', 'list', 'ruleset']],
  ['conntrack', ['conntrack', '-L']],
];

/** Global sysctls the simulator reads; per-interface rp_filter keys are added from the link dump. */
export const SYSCTL_KEYS = [
  'net.ipv4.ip_forward',
  'net.ipv4.conf.all.forwarding',
  'net.ipv4.conf.all.rp_filter',
  'net.ipv4.conf.default.rp_filter',
  'net.ipv4.conf.all.route_localnet',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'net.ipv6.conf.all.forwarding',
];

/** sysctl spells a dot inside an interface name as `/` (flannel.1 → flannel/1). */
const ifKey = (ifname: string): string => ifname.replace(/\./g, '/');

/** The sysctl argv for a node with these interfaces. */
export function sysctlArgv(ifnames: string[]): string[] {
  const perIf = ifnames.flatMap((i) => [`net.ipv4.conf.${ifKey(i)}.rp_filter`, `net.ipv4.conf.${ifKey(i)}.forwarding`]);
  return ['sysctl', ...SYSCTL_KEYS, ...perIf];
}

const toDump = (argv: readonly string[], r: { stdout: string; stderr: string; exitCode: number; durationMs: number }): DumpResult => ({
  argv: [...argv],
  stdout: r.stdout,
  stderr: r.stderr,
  exitCode: r.exitCode,
  durationMs: r.durationMs,
});

/** Runs the catalogue in one node namespace. */
export async function dumpNode(lab: Lab, node: string): Promise<NodeCapture> {
  const ns = lab.nodeNs(node);
  const startedAt = new Date().toISOString();
  const dumps: Partial<Record<DumpKey, DumpResult>> = {};
  for (const [key, argv] of LAB_CATALOGUE) {
    dumps[key] = toDump(argv, await run(inNs(ns, [...argv]), { check: false }));
  }
  const links = JSON.parse(dumps['link']?.stdout || '[]') as { ifname?: string }[];
  const sysctl = sysctlArgv(links.map((l) => l.ifname ?? '').filter((n) => n !== '' && n !== 'lo'));
  dumps['sysctl'] = toDump(sysctl, await run(inNs(ns, sysctl), { check: false }));
  const cni = cniFile(lab.plan, node);
  return {
    dumps,
    files: { [cni.path]: cni.content },
    probe: { transport: 'netns', startedAt },
  };
}

export interface DumpOptions {
  /** Pods removed from the API view (their endpoints were deleted). */
  deletedPods?: ReadonlySet<string>;
  description?: string;
  /** Capture time (ISO); default now. */
  capturedAt?: string;
}

/** Dumps every node and assembles the Snapshot. */
export async function dumpLab(lab: Lab, opts: DumpOptions = {}): Promise<Snapshot> {
  const capturedAt = opts.capturedAt ?? new Date().toISOString();
  // Objects were "created" a little before the capture, as in a real cluster.
  const created = new Date(Date.parse(capturedAt) - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const { objects, serverVersion } = labObjects(lab.plan, created, release(), opts.deletedPods);
  const nodes: Record<string, NodeCapture> = {};
  for (const n of lab.plan.nodes) nodes[n.name] = await dumpNode(lab, n.name);
  const { spec } = lab;
  return {
    kind: 'NetxSnapshot',
    version: 1,
    capturedAt,
    source: {
      type: 'lab',
      cluster: `lab-${spec.name}`,
      description:
        opts.description ??
        `netx lab: ${spec.nodes.length} nodes, ${spec.topology} pod networking, kube-proxy ${spec.proxyMode} mode, ` +
          `pods ${clusterCIDR(spec)}, services ${serviceCIDR(spec)}`,
    },
    cluster: { objects, serverVersion },
    nodes,
  };
}
