/**
 * Contents of the files the kube-lab's daemons read (pure: strings from the plan). Node files use the
 * standard paths (/etc/kubernetes, /var/lib/kube-proxy, /etc/kube-flannel, /etc/cni/net.d, /run/flannel):
 * each node sees them in its own mount namespace, so probes read them where they are on real nodes.
 */
import ipaddr from 'ipaddr.js';
import {
  APISERVER_PORT,
  CLUSTER_DOMAIN,
  CONTROL_PLANE_IP,
  POD_CIDR,
  type LabPlan,
  type ProxyMode,
  type FlannelBackend,
} from './plan.js';

const indent = (text: string, n: number): string =>
  text
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');

export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
}

/** A kubeconfig with the CA inline: it works from any path and mount namespace. */
export function kubeconfig(server: string, caPem: string, userName: string, user: KubeconfigUser): string {
  const cred = user.token !== undefined ? `token: ${user.token}` : `tokenFile: ${user.tokenFile ?? ''}`;
  return `apiVersion: v1
kind: Config
clusters:
- name: kube-lab
  cluster:
    server: ${server}
    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}
users:
- name: ${userName}
  user:
    ${cred}
contexts:
- name: ${userName}@kube-lab
  context:
    cluster: kube-lab
    user: ${userName}
current-context: ${userName}@kube-lab
`;
}

export const inClusterServer = `https://${CONTROL_PLANE_IP}:${APISERVER_PORT}`;

/** Paths inside a node's mount namespace. */
export const NODE_PATHS = {
  kubeletConfig: '/var/lib/kubelet/config.yaml',
  kubeletKubeconfig: '/etc/kubernetes/kubelet.conf',
  caCert: '/etc/kubernetes/pki/ca.crt',
  kubeProxyConfig: '/var/lib/kube-proxy/config.conf',
  kubeProxyKubeconfig: '/var/lib/kube-proxy/kubeconfig.conf',
  kubeProxyToken: '/var/lib/kube-proxy/token',
  flannelNetConf: '/etc/kube-flannel/net-conf.json',
  flannelKubeconfig: '/etc/kube-flannel/kubeconfig',
  flannelSubnetEnv: '/run/flannel/subnet.env',
  kubeRouterKubeconfig: '/var/lib/kube-router/kubeconfig',
  cniConflist: '/etc/cni/net.d/10-flannel.conflist',
  containerdConfig: '/etc/containerd/config.toml',
  containerdSocket: '/run/containerd/containerd.sock',
  resolvConf: '/etc/kubernetes/resolv.conf',
} as const;

/**
 * containerd 1.6 CRI config. restrict_oom_score_adj: this VM's capability bounding set lacks
 * CAP_SYS_RESOURCE, and runc fails every sandbox without it. The opt plugin's path is moved off
 * /opt/containerd (shared by every node otherwise); root and state are the standard paths, which are
 * private to the node's mount namespace.
 */
export function containerdConfig(sandboxImage: string, runcRoot: string, optDir: string): string {
  return `version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${NODE_PATHS.containerdSocket}"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "${optDir}"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${sandboxImage}"
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    enable_selinux = false
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "${runcRoot}"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
`;
}

/**
 * The kubelet's configuration, the same file on every node (node name and IP are flags), published as
 * kube-system/kubelet-config as kubeadm does. cgroup v1 hybrid host without systemd as PID 1: cgroupfs,
 * no QoS cgroups, failCgroupV1 false. Eviction and image GC thresholds stay out of the way of a disk
 * shared with everything else on the machine (the images cannot be pulled again).
 */
export function kubeletConfig(): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${NODE_PATHS.caCert}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failCgroupV1: false
failSwapOn: false
clusterDomain: ${CLUSTER_DOMAIN}
containerRuntimeEndpoint: unix://${NODE_PATHS.containerdSocket}
resolvConf: ${NODE_PATHS.resolvConf}
readOnlyPort: 0
rotateCertificates: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
volumePluginDir: /var/lib/kubelet/volume-plugins
staticPodPath: ""
`;
}

/** kube-proxy's configuration as kubeadm writes it (kube-system/kube-proxy, key config.conf). */
export function kubeProxyConfig(mode: ProxyMode): string {
  // conntrack.maxPerCore 0 keeps kube-proxy off nf_conntrack_max and the hashsize, which are global.
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
bindAddress: 0.0.0.0
clientConnection:
  kubeconfig: ${NODE_PATHS.kubeProxyKubeconfig}
clusterCIDR: ${POD_CIDR}
conntrack:
  maxPerCore: 0
healthzBindAddress: 0.0.0.0:10256
metricsBindAddress: 127.0.0.1:10249
mode: ${mode}
`;
}

export function flannelNetConf(backend: FlannelBackend, nftables = false): string {
  return `${JSON.stringify({ Network: POD_CIDR, EnableNFTables: nftables, Backend: { Type: backend } }, null, 2)}\n`;
}

export interface SubnetEnv {
  network: string;
  subnet: string;
  mtu: number;
  ipMasq: boolean;
}

/** Reads flannel's subnet.env (`FLANNEL_NETWORK=…` lines); undefined until every key is there. */
export function parseSubnetEnv(text: string): SubnetEnv | undefined {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) kv.set(m[1], m[2]);
  }
  const network = kv.get('FLANNEL_NETWORK');
  const subnet = kv.get('FLANNEL_SUBNET');
  const mtu = Number(kv.get('FLANNEL_MTU'));
  if (!network || !subnet || !Number.isInteger(mtu)) return undefined;
  return { network, subnet, mtu, ipMasq: kv.get('FLANNEL_IPMASQ') === 'true' };
}

/**
 * The conflist flannel's CNI plugin would produce: it delegates to the bridge plugin with the node's
 * subnet and MTU from subnet.env (the flannel CNI plugin itself is not served as a Go module).
 */
export function cniConflist(env: SubnetEnv): string {
  // subnet.env names the gateway (10.245.1.1/24); host-local wants the network, as flannel's plugin passes it.
  const [addr, len] = env.subnet.split('/');
  const subnet = `${ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${len}`).toString()}/${len}`;
  const conf = {
    name: 'cbr0',
    cniVersion: '0.3.1',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        mtu: env.mtu,
        isGateway: true,
        isDefaultGateway: true,
        hairpinMode: true,
        ipMasq: !env.ipMasq,
        ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: env.network }] },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
  return `${JSON.stringify(conf, null, 2)}\n`;
}

/** RBAC for the lab's host-process daemons (flannel's and kube-router's upstream ClusterRoles). */
export function daemonRbac(): string {
  const role = (name: string, rules: string, user: string): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${name}
rules:
${indent(rules, 0)}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: ${name}
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: ${user}
`;
  const flannel = `- apiGroups: [""]
  resources: [pods]
  verbs: [get]
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [nodes/status]
  verbs: [patch]`;
  const kubeRouter = `- apiGroups: [""]
  resources: [namespaces, pods, services, nodes, endpoints]
  verbs: [list, get, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [list, get, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
- apiGroups: [""]
  resources: [services/status]
  verbs: [update]`;
  return `${role('flannel', flannel, USERS.flannel)}---\n${role('kube-router', kubeRouter, USERS.kubeRouter)}`;
}

export const USERS = {
  admin: 'kube-lab-admin',
  controllerManager: 'system:kube-controller-manager',
  scheduler: 'system:kube-scheduler',
  kubeProxy: 'system:kube-proxy',
  flannel: 'kube-lab:flannel',
  kubeRouter: 'kube-lab:kube-router',
  node: (name: string): string => `system:node:${name}`,
} as const;

const cm = (namespace: string, name: string, data: Record<string, string>): string => {
  const entries = Object.entries(data)
    .map(([k, v]) => `  ${k}: |\n${indent(v.trimEnd(), 4)}`)
    .join('\n');
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${namespace}
data:
${entries}
`;
};

/**
 * What a cluster publishes about its node daemons, as kubeadm and flannel's manifest do: the exact
 * files the daemons read (kube-proxy's config.conf and kubeconfig.conf, the kubelet's config, flannel's
 * net-conf.json).
 */
export function publishedConfig(plan: LabPlan, kubeProxyKubeconfig: string): string {
  return [
    cm('kube-system', 'kube-proxy', { 'config.conf': kubeProxyConfig(plan.options.proxyMode), 'kubeconfig.conf': kubeProxyKubeconfig }),
    cm('kube-system', 'kubelet-config', { kubelet: kubeletConfig() }),
    `apiVersion: v1
kind: Namespace
metadata:
  name: kube-flannel
`,
    cm('kube-flannel', 'kube-flannel-cfg', { 'net-conf.json': flannelNetConf(plan.options.backend) }),
  ].join('---\n');
}
