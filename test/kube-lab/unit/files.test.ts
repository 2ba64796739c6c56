/** The kube-lab's pure parts: flag parsing, the files its daemons read, the host-state comparison. */
import { describe, expect, it } from 'vitest';
import { cniConflist, kubeProxyConfig, parseSubnetEnv } from '../files.js';
import { diffHostSnapshots, type HostSnapshot } from '../host-snapshot.js';
import { makePlan, parseUpArgs } from '../plan.js';

describe('kube-lab up flags', () => {
  it('defaults to iptables, 2 nodes, VXLAN and accepts each flag in both spellings', () => {
    expect(parseUpArgs([])).toEqual({ nodes: 2, proxyMode: 'iptables', backend: 'vxlan', fresh: false });
    expect(parseUpArgs(['--proxy-mode', 'nftables', '--nodes=3', '--backend=host-gw', '--fresh'])).toEqual({
      nodes: 3, proxyMode: 'nftables', backend: 'host-gw', fresh: true,
    });
  });

  it('names the bad flag and what it takes', () => {
    expect(() => parseUpArgs(['--proxy-mode', 'ipvs'])).toThrow(/--proxy-mode must be iptables or nftables \(got ipvs\)/);
    expect(() => parseUpArgs(['--nodes', '0'])).toThrow(/--nodes must be an integer from 1 to 8/);
    expect(() => parseUpArgs(['--nodes'])).toThrow(/--nodes needs a value/);
    expect(() => parseUpArgs(['--node', '2'])).toThrow(/unknown flag --node/);
  });

  it('plans addresses and names that cannot collide with the kernel lab', () => {
    const plan = makePlan({ nodes: 3, proxyMode: 'iptables', backend: 'vxlan' }, { stateDir: '/s', apiPort: 16443 });
    expect(plan.nodes.map((n) => [n.name, n.netns, n.ip])).toEqual([
      ['node-1', 'kl-node-1', '10.78.0.11'], ['node-2', 'kl-node-2', '10.78.0.12'], ['node-3', 'kl-node-3', '10.78.0.13'],
    ]);
    for (const ns of [plan.switchNetns, plan.controlPlane.netns, ...plan.nodes.map((n) => n.netns)]) expect(ns).not.toMatch(/^nxl\d+x\d+-/);
  });
});

describe('kube-lab node files', () => {
  it('gives host-local the network of the gateway address flannel writes in subnet.env', () => {
    const env = parseSubnetEnv('FLANNEL_NETWORK=10.245.0.0/16\nFLANNEL_SUBNET=10.245.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
    expect(env).toEqual({ network: '10.245.0.0/16', subnet: '10.245.1.1/24', mtu: 1450, ipMasq: true });
    const conf = JSON.parse(cniConflist(env!)) as { plugins: { type: string; mtu?: number; ipMasq?: boolean; ipam?: { ranges: { subnet: string }[][] } }[] };
    expect(conf.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(conf.plugins[0]?.ipam?.ranges[0]?.[0]?.subnet).toBe('10.245.1.0/24');
    expect(conf.plugins[0]?.mtu).toBe(1450);
    // flanneld masquerades itself (--ip-masq), so the bridge plugin must not.
    expect(conf.plugins[0]?.ipMasq).toBe(false);
  });

  it('waits for every key of subnet.env', () => {
    expect(parseSubnetEnv('FLANNEL_NETWORK=10.245.0.0/16\n')).toBeUndefined();
  });

  it('writes the proxy mode kube-proxy runs and leaves the global conntrack limits alone', () => {
    expect(kubeProxyConfig('nftables')).toMatch(/^mode: nftables$/m);
    expect(kubeProxyConfig('iptables')).toMatch(/^conntrack:\n {2}maxPerCore: 0$/m);
  });
});

describe('host snapshot comparison', () => {
  const snap = (over: Partial<HostSnapshot> = {}): HostSnapshot => ({
    sysctls: { 'vm.overcommit_memory': '0', 'kernel.panic': '1' },
    paths: { '/var/lib/kubelet': ['(absent)'] },
    net: { routes: 'default via 10.0.0.1 dev eth0\n' },
    labProcesses: [],
    labNetns: [],
    podCgroups: [],
    ...over,
  });

  it('names each change', () => {
    const after = snap({
      sysctls: { 'vm.overcommit_memory': '1', 'kernel.panic': '1' },
      paths: { '/var/lib/kubelet': ['d 755 /var/lib/kubelet'] },
      net: { routes: 'default via 10.0.0.1 dev eth0\n10.245.0.0/24 via 10.78.0.11\n' },
    });
    const diffs = diffHostSnapshots(snap(), after, { afterDown: true });
    expect(diffs).toHaveLength(3);
    expect(diffs[0]).toBe('sysctl vm.overcommit_memory: 0 → 1');
    expect(diffs[1]).toMatch(/^path \/var\/lib\/kubelet: \(absent\) → d 755/);
    expect(diffs[2]).toMatch(/^host network routes changed/);
  });

  it('expects the lab’s processes and namespaces while it runs, and none of them after down', () => {
    const running = snap({ labProcesses: ['42 kubelet /x/kubelet'], labNetns: ['kl-cp'], podCgroups: ['/sys/fs/cgroup/pids/k8s.io'] });
    expect(diffHostSnapshots(snap(), running, { afterDown: false })).toEqual([]);
    expect(diffHostSnapshots(snap(), running, { afterDown: true })).toHaveLength(3);
  });
});
