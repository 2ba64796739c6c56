/** What each lab machine finds in its layers at start (pure: strings from the plan and the credentials). */
import { CP_PATHS } from './daemons.js';
import { containerdConfig, flannelNetConf, inClusterServer, kubeconfig, kubeletConfig, kubeProxyConfig, NODE_PATHS, USERS } from './files.js';
import { tokenOf, type Pki } from './pki.js';
import type { LabPlan, NodePlan } from './plan.js';

/** The sandbox (pause) image containerd runs every pod in: `agnhost pause`, imported like the others. */
const SANDBOX_IMAGE = 'netx.local/pause:lab';

export function controlPlaneFiles(pki: Pki): Record<string, string> {
  const kc = (user: string): string => kubeconfig('https://127.0.0.1:6443', pki.caPem, user, { token: tokenOf(pki, user) });
  return {
    [CP_PATHS.controllerManagerKubeconfig]: kc(USERS.controllerManager),
    [CP_PATHS.schedulerKubeconfig]: kc(USERS.scheduler),
  };
}

export const kubeProxyKubeconfig = (pki: Pki): string => kubeconfig(inClusterServer, pki.caPem, 'kube-proxy', { tokenFile: NODE_PATHS.kubeProxyToken });

export function nodeFiles(plan: LabPlan, node: NodePlan, pki: Pki): Record<string, string> {
  const kc = (user: string, name = user): string => kubeconfig(inClusterServer, pki.caPem, name, { token: tokenOf(pki, user) });
  return {
    [NODE_PATHS.caCert]: pki.caPem,
    [NODE_PATHS.kubeletKubeconfig]: kc(USERS.node(node.name)),
    [NODE_PATHS.kubeletConfig]: kubeletConfig(),
    [NODE_PATHS.resolvConf]: '# kube-lab: no DNS server runs in the lab\noptions ndots:5\n',
    [NODE_PATHS.kubeProxyConfig]: kubeProxyConfig(plan.options.proxyMode),
    [NODE_PATHS.kubeProxyKubeconfig]: kubeProxyKubeconfig(pki),
    [NODE_PATHS.kubeProxyToken]: tokenOf(pki, USERS.kubeProxy),
    [NODE_PATHS.flannelNetConf]: flannelNetConf(plan.options.backend),
    [NODE_PATHS.flannelKubeconfig]: kc(USERS.flannel, 'flannel'),
    [NODE_PATHS.kubeRouterKubeconfig]: kc(USERS.kubeRouter, 'kube-router'),
    [NODE_PATHS.containerdConfig]: containerdConfig(SANDBOX_IMAGE, '/run/containerd/runc', '/var/lib/containerd/opt'),
  };
}

export function labUsers(plan: LabPlan): Map<string, string[]> {
  const users = new Map<string, string[]>([
    [USERS.admin, ['system:masters']],
    [USERS.controllerManager, []],
    [USERS.scheduler, []],
    [USERS.kubeProxy, []],
    [USERS.flannel, []],
    [USERS.kubeRouter, []],
  ]);
  for (const node of plan.nodes) users.set(USERS.node(node.name), ['system:nodes']);
  return users;
}
