/**
 * The kube-lab's plan: names, addresses and paths, derived from the options alone (no I/O).
 *
 *   kl-sw      switch namespace: bridge br0, 10.78.0.1 (the nodes' default gateway and an off-cluster host)
 *   kl-cp      control plane 10.78.0.2: etcd, kube-apiserver :6443, kube-controller-manager, kube-scheduler
 *   kl-node-N  node 10.78.0.(10+N): containerd, kubelet, kube-proxy, flanneld, kube-router; pods 10.245.x.0/24
 *
 * The addresses cannot collide with the kernel lab (test/lab: 172.31.250.0/24, 10.244.0.0/16, 10.96.0.0/12),
 * and every namespace name starts with `kl-`, never with the kernel lab's `nxl<pid>x<seq>-`.
 */
import path from 'node:path';

export type ProxyMode = 'iptables' | 'nftables';
export type FlannelBackend = 'vxlan' | 'host-gw';

export interface LabOptions {
  nodes: number;
  proxyMode: ProxyMode;
  backend: FlannelBackend;
}

export const DEFAULT_OPTIONS: LabOptions = { nodes: 2, proxyMode: 'iptables', backend: 'vxlan' };
const MAX_NODES = 8;

export const SWITCH_IP = '10.78.0.1';
export const CONTROL_PLANE_IP = '10.78.0.2';
export const POD_CIDR = '10.245.0.0/16';
export const NODE_CIDR_MASK = 24;
export const SERVICE_CIDR = '10.97.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.97.0.1';
export const APISERVER_PORT = 6443;
export const CLUSTER_DOMAIN = 'cluster.local';
export const NS_PREFIX = 'kl-';

export interface HostPlan {
  /** Network namespace (under /run/netns). */
  netns: string;
  /** veth end in the switch namespace. */
  swVeth: string;
  ip: string;
  /** State directory of this host: overlay upper/work dirs, kubelet and containerd roots. */
  dir: string;
}

export interface NodePlan extends HostPlan {
  name: string;
  index: number;
}

export interface LabPlan {
  options: LabOptions;
  stateDir: string;
  switchNetns: string;
  controlPlane: HostPlan;
  nodes: NodePlan[];
  /** Host loopback port forwarded to the apiserver. */
  apiPort: number;
  kubeconfig: string;
}

export interface LabEnv {
  stateDir: string;
  apiPort: number;
}

export const labEnv = (env: NodeJS.ProcessEnv = process.env): LabEnv => ({
  stateDir: path.resolve(env['NETX_KUBE_LAB_STATE'] ?? '/var/tmp/kubectl-netx-kube-lab'),
  apiPort: Number(env['NETX_KUBE_LAB_PORT'] ?? 16443),
});

export function makePlan(options: LabOptions, env: LabEnv = labEnv()): LabPlan {
  const host = (netns: string, swVeth: string, ip: string, dirName: string): HostPlan => ({
    netns,
    swVeth,
    ip,
    dir: path.join(env.stateDir, dirName),
  });
  const nodes = Array.from({ length: options.nodes }, (_, i): NodePlan => {
    const index = i + 1;
    const name = `node-${index}`;
    return { ...host(`${NS_PREFIX}${name}`, `veth-n${index}`, `10.78.0.${10 + index}`, name), name, index };
  });
  return {
    options,
    stateDir: env.stateDir,
    switchNetns: `${NS_PREFIX}sw`,
    controlPlane: host(`${NS_PREFIX}cp`, 'veth-cp', CONTROL_PLANE_IP, 'control-plane'),
    nodes,
    apiPort: env.apiPort,
    kubeconfig: path.join(env.stateDir, 'kubeconfig'),
  };
}

/** Parses `up`'s flags; throws a message naming the bad flag. */
export function parseUpArgs(args: readonly string[]): LabOptions & { fresh: boolean } {
  const opts = { ...DEFAULT_OPTIONS, fresh: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--proxy-mode': {
        const v = value();
        if (v !== 'iptables' && v !== 'nftables') throw new Error(`--proxy-mode must be iptables or nftables (got ${v}); IPVS needs kernel modules this machine lacks`);
        opts.proxyMode = v;
        break;
      }
      case '--nodes': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) throw new Error(`--nodes must be an integer from 1 to ${MAX_NODES} (got ${v})`);
        opts.nodes = n;
        break;
      }
      case '--backend': {
        const v = value();
        if (v !== 'vxlan' && v !== 'host-gw') throw new Error(`--backend must be vxlan or host-gw (got ${v})`);
        opts.backend = v;
        break;
      }
      case '--fresh':
        opts.fresh = true;
        break;
      default:
        throw new Error(`unknown flag ${arg} (up takes --proxy-mode iptables|nftables, --nodes N, --backend vxlan|host-gw, --fresh)`);
    }
  }
  return opts;
}

export const sameOptions = (a: LabOptions, b: LabOptions): boolean =>
  a.nodes === b.nodes && a.proxyMode === b.proxyMode && a.backend === b.backend;
