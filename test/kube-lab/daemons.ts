/**
 * Command lines of the kube-lab's daemons (pure). Binaries come from the build cache; paths on a node
 * are the standard ones, private to its mount namespace (hosts.ts).
 */
import path from 'node:path';
import { NODE_PATHS } from './files.js';
import { APISERVER_PORT, CONTROL_PLANE_IP, NODE_CIDR_MASK, POD_CIDR, SERVICE_CIDR, type NodePlan } from './plan.js';
import type { Pki } from './pki.js';

export interface Bins {
  dir: string;
  images: string;
}

const bin = (bins: Bins, name: string): string => path.join(bins.dir, name);

export const CP_PATHS = {
  etcdData: '/var/lib/etcd',
  controllerManagerKubeconfig: '/etc/kubernetes/controller-manager.conf',
  schedulerKubeconfig: '/etc/kubernetes/scheduler.conf',
  certDir: '/var/run/kubernetes',
  flexVolumeDir: '/var/lib/kube-controller-manager/volume-plugins',
} as const;

export function etcdArgv(): string[] {
  return [
    'etcd', '--name=kube-lab', `--data-dir=${CP_PATHS.etcdData}`,
    '--listen-client-urls=http://127.0.0.1:2379', '--advertise-client-urls=http://127.0.0.1:2379',
    '--listen-peer-urls=http://127.0.0.1:2380', '--initial-advertise-peer-urls=http://127.0.0.1:2380',
    '--initial-cluster=kube-lab=http://127.0.0.1:2380', '--initial-cluster-state=new',
    // A throw-away cluster on a shared disk: no fsync per write.
    '--unsafe-no-fsync', '--quota-backend-bytes=2147483648', '--log-level=warn',
  ];
}

export function apiserverArgv(bins: Bins, pki: Pki): string[] {
  return [
    bin(bins, 'kube-apiserver'),
    '--etcd-servers=http://127.0.0.1:2379',
    '--bind-address=0.0.0.0', `--secure-port=${APISERVER_PORT}`, `--advertise-address=${CONTROL_PLANE_IP}`,
    `--tls-cert-file=${pki.apiserverCert}`, `--tls-private-key-file=${pki.apiserverKey}`, `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${pki.tokenFile}`,
    '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction,PodSecurity', '--allow-privileged=true',
    `--service-cluster-ip-range=${SERVICE_CIDR}`, '--service-node-port-range=30000-32767',
    `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--kubelet-client-certificate=${pki.kubeletClientCert}`, `--kubelet-client-key=${pki.kubeletClientKey}`,
    // Without it exec and logs look the node name up in DNS, which the lab has none of.
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    `--cert-dir=${CP_PATHS.certDir}`, '--profiling=false', '--v=1',
  ];
}

export function controllerManagerArgv(bins: Bins, pki: Pki): string[] {
  const kc = CP_PATHS.controllerManagerKubeconfig;
  return [
    bin(bins, 'kube-controller-manager'),
    `--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`,
    '--bind-address=127.0.0.1', `--cert-dir=${CP_PATHS.certDir}`,
    '--allocate-node-cidrs=true', `--cluster-cidr=${POD_CIDR}`, `--node-cidr-mask-size=${NODE_CIDR_MASK}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--service-account-private-key-file=${pki.saKey}`, `--root-ca-file=${pki.caCert}`, '--use-service-account-credentials=true',
    `--flex-volume-plugin-dir=${CP_PATHS.flexVolumeDir}`, '--controllers=*', '--profiling=false', '--v=1',
  ];
}

export function schedulerArgv(bins: Bins): string[] {
  const kc = CP_PATHS.schedulerKubeconfig;
  return [
    bin(bins, 'kube-scheduler'),
    `--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`,
    '--bind-address=127.0.0.1', '--profiling=false', '--v=1',
  ];
}

export function containerdArgv(): string[] {
  return ['containerd', `--config=${NODE_PATHS.containerdConfig}`];
}

export function kubeletArgv(bins: Bins, node: NodePlan): string[] {
  return [
    bin(bins, 'kubelet'),
    `--config=${NODE_PATHS.kubeletConfig}`, `--kubeconfig=${NODE_PATHS.kubeletKubeconfig}`,
    '--root-dir=/var/lib/kubelet', '--cert-dir=/var/lib/kubelet/pki',
    `--node-ip=${node.ip}`, `--hostname-override=${node.name}`, '--v=1',
  ];
}

export function kubeProxyArgv(bins: Bins, node: NodePlan): string[] {
  return [bin(bins, 'kube-proxy'), `--config=${NODE_PATHS.kubeProxyConfig}`, `--hostname-override=${node.name}`, '--v=1'];
}

export function flanneldArgv(bins: Bins): string[] {
  return [
    bin(bins, 'flanneld'), '--kube-subnet-mgr', `--kubeconfig-file=${NODE_PATHS.flannelKubeconfig}`, '--iface=eth0', '--ip-masq',
    `--net-config-path=${NODE_PATHS.flannelNetConf}`, `--subnet-file=${NODE_PATHS.flannelSubnetEnv}`, '--healthz-port=0',
  ];
}

export function kubeRouterArgv(bins: Bins, node: NodePlan): string[] {
  return [
    bin(bins, 'kube-router'), '--run-firewall=true', '--run-router=false', '--run-service-proxy=false', '--enable-cni=false',
    `--kubeconfig=${NODE_PATHS.kubeRouterKubeconfig}`, `--hostname-override=${node.name}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`, '--health-port=0', '--metrics-port=0', '--v=1',
  ];
}
