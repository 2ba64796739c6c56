/** Which CNI runs on a cluster, from the active conflist, DaemonSet names, node annotations and host interface names. */
import type { CniConfig, CniFile } from './config.js';

export type CniName = 'flannel' | 'calico' | 'canal' | 'cilium' | 'aws-vpc-cni' | 'antrea' | 'kube-router' | 'weave' | 'kindnet' | 'bridge' | 'unknown';

interface CniEvidence {
  source: 'cni-config' | 'daemonset' | 'node-annotation' | 'interface';
  /** What was seen: `plugin type "flannel" in /etc/cni/net.d/10-flannel.conflist`, `DaemonSet kube-system/cilium`, ... */
  detail: string;
  suggests: CniName;
}

export interface CniDetection {
  name: CniName;
  /** CNIs chained after the primary one (cilium-cni chained into aws-cni, ...). */
  chained: CniName[];
  evidence: CniEvidence[];
  /** high: the config and another source agree; medium: one strong source; low: interface names only; none. */
  confidence: 'high' | 'medium' | 'low' | 'none';
  /** Other CNIs some evidence points at (leftovers of a previous CNI, or a conflict). */
  conflicts: CniName[];
}

export interface CniDetectInput {
  config?: CniFile;
  daemonSets?: { namespace?: string; name: string }[];
  /** Annotation keys of each node (flannel and Calico annotate the nodes they run on). */
  nodeAnnotations?: { node: string; keys: string[] }[];
  interfaces?: string[];
}

const PLUGIN_TYPES: Record<string, CniName> = {
  flannel: 'flannel', calico: 'calico', 'cilium-cni': 'cilium', 'aws-cni': 'aws-vpc-cni', antrea: 'antrea', 'weave-net': 'weave', bridge: 'bridge',
};
const DAEMONSETS: [RegExp, CniName][] = [
  [/^kube-flannel(-ds)?/, 'flannel'], [/^calico-node$/, 'calico'], [/^canal$/, 'canal'], [/^cilium$/, 'cilium'], [/^anetd$/, 'cilium'], [/^aws-node$/, 'aws-vpc-cni'],
  [/^antrea-agent$/, 'antrea'], [/^kube-router$/, 'kube-router'], [/^weave-net$/, 'weave'], [/^kindnet$/, 'kindnet'],
];
/** Annotations a CNI's agent writes on its node (flannel's kube subnet manager; Calico's BGP address). */
const NODE_ANNOTATIONS: [RegExp, CniName][] = [
  [/^flannel\.alpha\.coreos\.com\/(backend-type|kube-subnet-manager|public-ip)$/, 'flannel'],
  [/^projectcalico\.org\/IPv[46]Address$/, 'calico'],
];
const INTERFACES: [RegExp, CniName][] = [
  [/^flannel[.-]/, 'flannel'], [/^cali[0-9a-f]/, 'calico'], [/^vxlan\.calico$/, 'calico'], [/^tunl0$/, 'calico'], [/^cilium_(host|net|vxlan|geneve)$/, 'cilium'], [/^lxc[0-9a-f]/, 'cilium'],
  [/^eni[0-9a-f]{6,}/, 'aws-vpc-cni'], [/^antrea-gw0$/, 'antrea'], [/^kube-bridge$/, 'kube-router'], [/^weave$/, 'weave'],
];

/** Combines the evidence; never guesses beyond it (no evidence → `unknown`, confidence `none`). */
export function detectCni(input: CniDetectInput): CniDetection {
  const evidence: CniEvidence[] = [...configEvidence(input.config), ...dsEvidence(input.daemonSets ?? []), ...annotationEvidence(input.nodeAnnotations ?? []), ...ifaceEvidence(input.interfaces ?? [])];
  const cfg = evidence.find((e) => e.source === 'cni-config' && !e.detail.startsWith('chained'));
  const byStrength = (src: CniEvidence['source']) => evidence.filter((e) => e.source === src).map((e) => e.suggests);
  let name: CniName = cfg?.suggests ?? byStrength('daemonset')[0] ?? byStrength('node-annotation')[0] ?? byStrength('interface')[0] ?? 'unknown';
  // Canal = calico CNI plugin + flannel networking; its DaemonSet names it.
  if (name === 'calico' && byStrength('daemonset').includes('canal')) name = 'canal';
  // A generic bridge conflist is kube-router's when its DaemonSet or bridge says so.
  if (name === 'bridge' && (byStrength('daemonset').includes('kube-router') || bridgeName(input.config) === 'kube-bridge')) name = 'kube-router';
  // flannel's CNI plugin hands the bridge plugin its config (cni0, the node's flannel subnet): a bridge conflist is flannel's when flannel's own marks say so.
  else if (name === 'bridge' && (['daemonset', 'node-annotation', 'interface'] as const).some((src) => byStrength(src).includes('flannel'))) name = 'flannel';
  const chained = evidence.filter((e) => e.detail.startsWith('chained')).map((e) => e.suggests);
  const related = new Set<CniName>([name, ...chained, ...(name === 'canal' ? (['calico', 'flannel'] as CniName[]) : [])]);
  const conflicts = [...new Set(evidence.map((e) => e.suggests).filter((n) => !related.has(n) && n !== 'bridge'))];
  const agreeing = new Set(evidence.filter((e) => related.has(e.suggests)).map((e) => e.source));
  const strong = agreeing.has('cni-config') || agreeing.has('daemonset') || agreeing.has('node-annotation');
  const confidence: CniDetection['confidence'] = name === 'unknown' ? 'none' : agreeing.size >= 2 && strong ? 'high' : strong ? 'medium' : 'low';
  return { name, chained, evidence, confidence, conflicts };
}

function activeConfig(f: CniFile | undefined): CniConfig | undefined {
  if (!f) return undefined;
  if (f.kind === 'config') return f.primaryType === 'multus' && f.delegates[0] ? f.delegates[0] : f;
  return f.kind === 'template' ? f.config : undefined;
}

function configEvidence(f: CniFile | undefined): CniEvidence[] {
  const cfg = activeConfig(f);
  if (!cfg || !f) return [];
  const where = f.kind === 'config' && f !== cfg ? `${f.file} (Multus delegate)` : f.file;
  const out: CniEvidence[] = [];
  // kindnet writes a plain ptp conflist; only its network name tells it apart.
  const primary = cfg.name === 'kindnet' ? 'kindnet' : cfg.primaryType ? PLUGIN_TYPES[cfg.primaryType] : undefined;
  if (primary) out.push({ source: 'cni-config', detail: `plugin type "${cfg.primaryType}" in ${where}`, suggests: primary });
  for (const t of cfg.chained) {
    const n = PLUGIN_TYPES[t];
    if (n && n !== 'bridge') out.push({ source: 'cni-config', detail: `chained plugin type "${t}" in ${where}`, suggests: n });
  }
  return out;
}

function bridgeName(f: CniFile | undefined): string | undefined {
  const b = activeConfig(f)?.plugins[0]?.raw.bridge;
  return typeof b === 'string' ? b : undefined;
}

function dsEvidence(ds: { namespace?: string; name: string }[]): CniEvidence[] {
  return ds.flatMap((d) => {
    const hit = DAEMONSETS.find(([re]) => re.test(d.name));
    return hit ? [{ source: 'daemonset' as const, detail: `DaemonSet ${d.namespace ? `${d.namespace}/` : ''}${d.name}`, suggests: hit[1] }] : [];
  });
}

/** One item per CNI: the annotation and how many nodes carry it. */
function annotationEvidence(nodes: { node: string; keys: string[] }[]): CniEvidence[] {
  const seen = new Map<CniName, { key: string; nodes: string[] }>();
  for (const n of nodes) {
    for (const k of n.keys) {
      const hit = NODE_ANNOTATIONS.find(([re]) => re.test(k));
      if (!hit) continue;
      const s = seen.get(hit[1]) ?? { key: k, nodes: [] };
      if (!s.nodes.includes(n.node)) s.nodes.push(n.node);
      seen.set(hit[1], s);
    }
  }
  return [...seen].map(([cni, s]) => ({ source: 'node-annotation' as const, detail: `node annotation ${s.key} on ${s.nodes.length <= 3 ? s.nodes.join(', ') : `${s.nodes.length} nodes`}`, suggests: cni }));
}

function ifaceEvidence(ifaces: string[]): CniEvidence[] {
  const seen = new Map<CniName, string[]>();
  for (const i of ifaces) {
    const hit = INTERFACES.find(([re]) => re.test(i));
    if (hit) seen.set(hit[1], [...(seen.get(hit[1]) ?? []), i]);
  }
  return [...seen].map(([n, names]) => ({ source: 'interface' as const, detail: `interfaces ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}`, suggests: n }));
}
