/**
 * Every source that can state the service CIDR(s) or the cluster pod CIDR(s), read in the order
 * of docs/cidr.md. Each source yields claims (possibly without a CIDR, saying why); resolve.ts
 * picks the effective ranges.
 */
import { objectsOf, type V1Pod } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { parseCidrList, parseIp, addressText } from './ipmath.js';
import { configMap, field, flagValue, mirrorPods, str, yamlKey, type ControlPlaneComponent } from './objects.js';
import { parseProbeMessage } from './probe-message.js';
import type { CidrClaim, CidrSourceKind, Confidence } from './types.js';

/** Turns a CIDR list text into a claim; invalid parts lower confidence and are named. */
function claim(source: CidrSourceKind, detail: string, confidence: Confidence, text: string, note?: string): CidrClaim {
  const { cidrs, invalid } = parseCidrList(text);
  const notes = [note, invalid.length ? `not a CIDR: ${invalid.join(', ')}` : undefined].filter(Boolean).join('; ');
  const c: CidrClaim = { source, detail, confidence: invalid.length ? 'low' : confidence, cidrs: cidrs.map((x) => x.text) };
  return notes ? { ...c, note: notes } : c;
}

function flagClaims(pods: V1Pod[], component: ControlPlaneComponent, flag: string, source: CidrSourceKind, absentDefault?: string): CidrClaim[] {
  return mirrorPods(pods, component).map((p) => {
    const detail = `kube-system/${p.metadata?.name ?? ''} --${flag}`;
    const v = flagValue(p, component, flag);
    if (v !== undefined) return claim(source, detail, 'high', v);
    if (absentDefault) return claim(source, detail, 'medium', absentDefault, `flag not set: ${component} default`);
    return { source, detail, confidence: 'low', cidrs: [], note: 'flag not set' };
  });
}

/** kubeadm ClusterConfiguration (v1beta3 and v1beta4: same `networking`; extraArgs map vs list). */
function kubeadm(snapshot: Snapshot): { networking?: Record<string, unknown>; extraArg: (component: string, name: string) => string | undefined; error?: string } {
  const cm = configMap(snapshot, 'kube-system', 'kubeadm-config');
  const doc = cm ? yamlKey(cm, 'ClusterConfiguration') : undefined;
  if (!doc) return { extraArg: () => undefined };
  if ('error' in doc) return { extraArg: () => undefined, error: doc.error };
  const networking = field(doc.value, 'networking');
  const extraArg = (component: string, name: string): string | undefined => {
    const args = field(doc.value, component, 'extraArgs');
    if (Array.isArray(args)) return str(field(args.find((a) => field(a, 'name') === name), 'value'));
    return str(field(args, name));
  };
  return { networking: networking && typeof networking === 'object' ? (networking as Record<string, unknown>) : undefined, extraArg };
}

function kubeadmClaims(snapshot: Snapshot, key: 'serviceSubnet' | 'podSubnet', component: string, arg: string): CidrClaim[] {
  const k = kubeadm(snapshot);
  const detail = `ConfigMap kube-system/kubeadm-config ClusterConfiguration`;
  if (k.error) return [{ source: 'kubeadm-config', detail, confidence: 'low', cidrs: [], note: k.error }];
  const out: CidrClaim[] = [];
  const fromArg = k.extraArg(component, arg);
  if (fromArg) out.push(claim('kubeadm-config', `${detail} ${component}.extraArgs ${arg}`, 'medium', fromArg, 'install-time configuration'));
  const v = str(k.networking?.[key]);
  if (v) out.push(claim('kubeadm-config', `${detail} networking.${key}`, 'medium', v, 'install-time configuration; later changes are not reflected'));
  return out;
}

/** The `kubernetes` Service's first clusterIP is the first address of the primary range. */
function kubernetesServiceClaim(snapshot: Snapshot): CidrClaim[] {
  const svc = objectsOf(snapshot, 'services').find((s) => s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes');
  const ip = svc?.spec?.clusterIP ? parseIp(svc.spec.clusterIP) : undefined;
  if (!ip) return [];
  const network = addressText(ip.value - 1n, ip.family);
  return [
    {
      source: 'kubernetes-service-ip',
      detail: `Service default/kubernetes clusterIP ${ip.text}`,
      confidence: 'low',
      cidrs: [],
      note: `the range starts at ${network} (the service takes its first address); prefix length unknown`,
    },
  ];
}

function distribution(snapshot: Snapshot): 'k3s' | 'rke2' | undefined {
  const v = String(snapshot.cluster.serverVersion?.gitVersion ?? '');
  return v.includes('+k3s') ? 'k3s' : v.includes('+rke2') ? 'rke2' : undefined;
}

export function serviceClaims(snapshot: Snapshot, pods: V1Pod[]): CidrClaim[] {
  const out: CidrClaim[] = [];
  for (const sc of objectsOf(snapshot, 'servicecidrs')) {
    const ready = sc.status?.conditions?.find((c) => c.type === 'Ready');
    const deleting = sc.metadata?.deletionTimestamp ? 'being deleted' : undefined;
    const notReady = ready && ready.status !== 'True' ? `not Ready (${ready.reason ?? ready.status ?? ''})` : undefined;
    const note = [deleting, notReady].filter(Boolean).join(', ');
    out.push(claim('servicecidr-object', `ServiceCIDR "${sc.metadata?.name ?? ''}"`, note ? 'medium' : 'high', (sc.spec?.cidrs ?? []).join(','), note || undefined));
  }
  out.push(...flagClaims(pods, 'kube-apiserver', 'service-cluster-ip-range', 'kube-apiserver-flag', '10.0.0.0/24'));
  out.push(...flagClaims(pods, 'kube-controller-manager', 'service-cluster-ip-range', 'kube-controller-manager-flag').filter((c) => c.cidrs.length > 0));
  out.push(...kubeadmClaims(snapshot, 'serviceSubnet', 'apiServer', 'service-cluster-ip-range'));
  const probe = snapshot.cluster.serviceCidrProbe;
  if (probe) {
    const a = parseProbeMessage(probe.message);
    const detail = 'dry-run Service create with an out-of-range clusterIP';
    if (a.kind === 'range') {
      out.push({ source: 'dry-run-probe', detail, confidence: 'medium', cidrs: a.cidrs, note: 'apiservers ≥1.33 name only one of several ranges' });
    } else out.push({ source: 'dry-run-probe', detail, confidence: 'low', cidrs: [], note: `no answer: ${a.reason}` });
  }
  out.push(...kubernetesServiceClaim(snapshot));
  const d = distribution(snapshot);
  if (d) out.push(claim('distribution-default', `${d} default`, 'assumed', '10.43.0.0/16', `assumed from the ${d} server version; not read from the cluster`));
  return out;
}

function calicoPoolClaims(snapshot: Snapshot): CidrClaim[] {
  return objectsOf(snapshot, 'ippools').map((p) => {
    const disabled = field(p, 'spec', 'disabled') === true;
    return claim('calico-ippool', `Calico IPPool "${p.metadata?.name ?? ''}"`, disabled ? 'low' : 'high', str(field(p, 'spec', 'cidr')) ?? '', disabled ? 'disabled: no new addresses from it' : undefined);
  });
}

function ciliumPoolClaims(snapshot: Snapshot): CidrClaim[] {
  const cm = configMap(snapshot, 'kube-system', 'cilium-config');
  if (!cm) return [];
  const list = [cm.data?.['cluster-pool-ipv4-cidr'], cm.data?.['cluster-pool-ipv6-cidr']].map(str).filter((x): x is string => !!x);
  if (list.length === 0) return [];
  // cilium-config separates several CIDRs by spaces.
  return [claim('cilium-config', 'ConfigMap kube-system/cilium-config cluster-pool-ipv{4,6}-cidr', 'high', list.join(',').replace(/\s+/g, ','))];
}

function kubeProxyClaims(snapshot: Snapshot): CidrClaim[] {
  const cm = configMap(snapshot, 'kube-system', 'kube-proxy');
  if (!cm) return [];
  const key = cm.data?.['config.conf'] !== undefined ? 'config.conf' : Object.keys(cm.data ?? {}).find((k) => k.startsWith('config'));
  const doc = key ? yamlKey(cm, key) : undefined;
  const detail = `ConfigMap kube-system/kube-proxy ${key ?? ''} clusterCIDR`;
  if (!doc) return [];
  if ('error' in doc) return [{ source: 'kube-proxy-config', detail, confidence: 'low', cidrs: [], note: doc.error }];
  const v = str(doc.value.clusterCIDR);
  return v ? [claim('kube-proxy-config', detail, 'medium', v, 'used by kube-proxy only to tell local traffic')] : [];
}

/** flannel's ConfigMap (kube-flannel-cfg in kube-flannel or kube-system): the Network its nodes' subnets lie in. */
const FLANNEL_CONFIGMAP = 'kube-flannel-cfg';

function flannelClaims(snapshot: Snapshot): CidrClaim[] {
  return objectsOf(snapshot, 'configmaps')
    .filter((c) => c.metadata?.name === FLANNEL_CONFIGMAP)
    .flatMap((cm): CidrClaim[] => {
      const detail = `ConfigMap ${cm.metadata?.namespace ?? ''}/${FLANNEL_CONFIGMAP} net-conf.json Network`;
      const text = cm.data?.['net-conf.json'];
      if (text === undefined) return [];
      let conf: unknown;
      try {
        conf = JSON.parse(text);
      } catch (e) {
        return [{ source: 'flannel-net-conf', detail, confidence: 'low', cidrs: [], note: `net-conf.json is not JSON: ${(e as Error).message}` }];
      }
      const nets = [str(field(conf, 'Network')), str(field(conf, 'IPv6Network'))].filter((x): x is string => !!x);
      if (nets.length === 0) return [{ source: 'flannel-net-conf', detail, confidence: 'low', cidrs: [], note: 'no Network in net-conf.json' }];
      return [claim('flannel-net-conf', detail, 'high', nets.join(','), "flannel's network: every node's flannel subnet lies in it")];
    });
}

/**
 * Pod CIDR claims. When the CNI allocates from its own pools (calico-ipam, cilium cluster-pool),
 * those pools come first: they, not kube-controller-manager, decide pod addresses.
 */
export function clusterClaims(snapshot: Snapshot, pods: V1Pod[], cniPoolsFirst: 'calico' | 'cilium' | undefined): CidrClaim[] {
  const pools = cniPoolsFirst === 'calico' ? calicoPoolClaims(snapshot) : cniPoolsFirst === 'cilium' ? ciliumPoolClaims(snapshot) : [];
  const rest: CidrClaim[] = [
    ...flagClaims(pods, 'kube-controller-manager', 'cluster-cidr', 'kube-controller-manager-flag'),
    ...flannelClaims(snapshot),
    ...kubeadmClaims(snapshot, 'podSubnet', 'controllerManager', 'cluster-cidr'),
    ...kubeProxyClaims(snapshot),
    ...(cniPoolsFirst === 'calico' ? [] : calicoPoolClaims(snapshot)),
  ];
  const d = distribution(snapshot);
  if (d) rest.push(claim('distribution-default', `${d} default`, 'assumed', '10.42.0.0/16', `assumed from the ${d} server version; not read from the cluster`));
  return [...pools, ...rest];
}

/** kube-controller-manager's node CIDR settings (first mirror pod that has them). */
export function nodeCidrSettings(pods: V1Pod[]): {
  mask?: { ipv4?: number; ipv6?: number; source: string };
  allocate?: { value: boolean; source: string };
} {
  const out: ReturnType<typeof nodeCidrSettings> = {};
  for (const p of mirrorPods(pods, 'kube-controller-manager')) {
    const src = `kube-system/${p.metadata?.name ?? ''}`;
    const c = 'kube-controller-manager';
    const both = flagValue(p, c, 'node-cidr-mask-size');
    const v4 = flagValue(p, c, 'node-cidr-mask-size-ipv4') ?? both;
    const v6 = flagValue(p, c, 'node-cidr-mask-size-ipv6') ?? both;
    if (!out.mask && (v4 || v6)) {
      out.mask = { source: src };
      if (v4 && /^\d+$/.test(v4)) out.mask.ipv4 = Number(v4);
      if (v6 && /^\d+$/.test(v6)) out.mask.ipv6 = Number(v6);
    }
    const alloc = flagValue(p, c, 'allocate-node-cidrs');
    if (!out.allocate && alloc !== undefined) out.allocate = { value: alloc === 'true', source: `${src} --allocate-node-cidrs` };
  }
  return out;
}
