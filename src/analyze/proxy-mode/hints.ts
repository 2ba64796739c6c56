/**
 * k3s and RKE2 hints from Node objects. k3s runs kube-proxy inside its own process (no pod); RKE2
 * runs it as a static pod. Their node annotations record the server/agent arguments, which may
 * carry `--kube-proxy-arg proxy-mode=…` or `--disable-kube-proxy`. These are hints, not proof.
 */
import type { V1Node } from '@kubernetes/client-node';
import { objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { modeValue } from './modes.js';
import type { ConfigSource } from './types.js';

type Distro = 'k3s' | 'rke2';

function distroOf(n: V1Node): { distro: Distro; why: string } | undefined {
  const labels = n.metadata?.labels ?? {};
  const ann = n.metadata?.annotations ?? {};
  const kubelet = n.status?.nodeInfo?.kubeletVersion ?? '';
  if ('rke2.io/node-args' in ann || /\+rke2/.test(kubelet)) return { distro: 'rke2', why: 'rke2.io/node-args' in ann ? 'annotation rke2.io/node-args' : `kubelet ${kubelet}` };
  if (labels['node.kubernetes.io/instance-type'] === 'k3s') return { distro: 'k3s', why: 'label node.kubernetes.io/instance-type=k3s' };
  const k3sKey = Object.keys(ann).find((k) => k.startsWith('k3s.io/'));
  if (k3sKey) return { distro: 'k3s', why: `annotation ${k3sKey}` };
  if (/\+k3s/.test(kubelet)) return { distro: 'k3s', why: `kubelet ${kubelet}` };
  return undefined;
}

/** `["server","--kube-proxy-arg","proxy-mode=ipvs"]` or `--kube-proxy-arg=proxy-mode=ipvs`. */
function kubeProxyArgsFromNodeArgs(args: string[]): { proxyMode?: string; disabled: boolean } {
  let proxyMode: string | undefined;
  args.forEach((a, i) => {
    const v = a.startsWith('--kube-proxy-arg=') ? a.slice('--kube-proxy-arg='.length) : a === '--kube-proxy-arg' ? args[i + 1] : undefined;
    const m = v ? /^-{0,2}proxy-mode=(.*)$/.exec(v) : null;
    if (m) proxyMode = m[1];
  });
  return { ...(proxyMode !== undefined ? { proxyMode } : {}), disabled: args.includes('--disable-kube-proxy') };
}

function nodeArgs(n: V1Node, distro: Distro): string[] | undefined {
  const raw = n.metadata?.annotations?.[`${distro}.io/node-args`];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** One hint per distribution, from the first node that shows it (others counted in the evidence). */
export function distroHints(s: Snapshot): ConfigSource[] {
  const seen = new Map<Distro, ConfigSource & { kind: 'hint' }>();
  const counts = new Map<Distro, number>();
  for (const n of objectsOf(s, 'nodes')) {
    const d = distroOf(n);
    if (!d) continue;
    counts.set(d.distro, (counts.get(d.distro) ?? 0) + 1);
    const args = nodeArgs(n, d.distro);
    const kp = args ? kubeProxyArgsFromNodeArgs(args) : undefined;
    const prev = seen.get(d.distro);
    if (prev && (prev.mode || !kp?.proxyMode)) continue;
    const bits = [d.why];
    if (kp?.proxyMode !== undefined) bits.push(`node args: --kube-proxy-arg proxy-mode=${kp.proxyMode}`);
    if (kp?.disabled) bits.push('node args: --disable-kube-proxy');
    seen.set(d.distro, {
      kind: 'hint',
      distro: d.distro,
      object: `Node ${n.metadata?.name ?? '?'}`,
      ...(kp?.proxyMode !== undefined ? { mode: modeValue(kp.proxyMode) } : {}),
      ...(kp?.disabled ? { disabled: true } : {}),
      evidence: bits.join('; '),
    });
  }
  return [...seen.entries()].map(([d, h]) => ({ ...h, evidence: `${h.evidence} (${counts.get(d)} node(s) look like ${d})` }));
}
