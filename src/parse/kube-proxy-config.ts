/** KubeProxyConfiguration (file, kubeadm/EKS ConfigMap) and kube-proxy workload args → typed settings. */
import { ParseError, type ParseWarning } from '../util/parse-error.js';
import { parseKubeProxyArgs, type KubeProxyFlags } from './kube-proxy-flags.js';
import { assignDefined, type Parsed, type SourceOpts } from './parsed.js';
import { isRecord, parseYamlDocuments } from './yaml-doc.js';

export interface KubeProxyConfig {
  apiVersion: string;
  /** `mode` as written ('' when empty or absent). */
  modeRaw: string;
  /** Effective mode: an empty mode means iptables on Linux (facts §3). */
  mode: string;
  modeDefaulted: boolean;
  /** clusterCIDR split on commas (dual-stack); empty when unset. */
  clusterCIDRs: string[];
  detectLocalMode: string;
  detectLocal: { bridgeInterface?: string; interfaceNamePrefix?: string };
  /** The masqueradeAll of the section the effective mode uses (linux.masqueradeAll in v1alpha2). */
  masqueradeAll: boolean;
  /** Default 14 (mark 0x4000). */
  masqueradeBit: number;
  nodePortAddresses: string[];
  /** Default 127.0.0.1:10249; v1alpha2 lists CIDRs + port instead. */
  metricsBindAddress: string;
  healthzBindAddress?: string;
  ipvs: { scheduler: string; strictARP: boolean; excludeCIDRs: string[] };
  iptables: { masqueradeAll?: boolean; masqueradeBit?: number; localhostNodePorts?: boolean; syncPeriod?: string; minSyncPeriod?: string };
  nftables: { masqueradeAll?: boolean; masqueradeBit?: number; syncPeriod?: string; minSyncPeriod?: string };
}

/** What a kube-proxy-related file turned out to be. */
export type KubeProxySource =
  | { kind: 'config'; from: 'KubeProxyConfiguration' | 'ConfigMap'; configMapKey?: string; config: KubeProxyConfig }
  | { kind: 'workload'; from: 'DaemonSet' | 'Pod' | 'pod-spec'; container: string; flags: KubeProxyFlags }
  /** kind's Cluster config: `networking.kubeProxyMode` is rendered into the KubeProxyConfiguration by kind. */
  | { kind: 'kind-cluster'; kubeProxyMode?: string };

const CONFIGMAP_KEYS = ['config.conf', 'config'];
const DEFAULT_METRICS = '127.0.0.1:10249';

/** Recognises the document by its kind and reads it. */
export function parseKubeProxySource(text: string, opts: SourceOpts): Parsed<KubeProxySource> {
  const { docs, warnings } = parseYamlDocuments(text, opts.source);
  const doc = docs.find(isRecord);
  if (!doc) throw new ParseError(opts.source, 'no YAML/JSON object in the input (empty, or a bare value)', 1, 1);
  const kind = doc.kind;
  if (kind === 'KubeProxyConfiguration') return { value: { kind: 'config', from: 'KubeProxyConfiguration', config: readConfig(doc, opts.source, warnings) }, warnings };
  if (kind === 'ConfigMap') {
    const data = isRecord(doc.data) ? doc.data : {};
    const key = CONFIGMAP_KEYS.find((k) => typeof data[k] === 'string');
    if (!key) throw new ParseError(opts.source, `ConfigMap has none of the keys ${CONFIGMAP_KEYS.join(', ')} that hold a KubeProxyConfiguration`, undefined, undefined, 'data');
    const inner = parseKubeProxySource(data[key] as string, { source: `${opts.source} data.${key}` });
    if (inner.value.kind !== 'config') throw new ParseError(opts.source, `data.${key} is not a KubeProxyConfiguration`, undefined, undefined, `data.${key}`);
    return { value: { ...inner.value, from: 'ConfigMap', configMapKey: key }, warnings: [...warnings, ...inner.warnings] };
  }
  if (kind === 'Cluster' && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('kind.x-k8s.io')) {
    const net = isRecord(doc.networking) ? doc.networking : {};
    const value: KubeProxySource = { kind: 'kind-cluster' };
    if (typeof net.kubeProxyMode === 'string') value.kubeProxyMode = net.kubeProxyMode;
    return { value, warnings };
  }
  const workload = readWorkload(doc, opts.source, warnings);
  if (workload) return { value: workload, warnings };
  throw new ParseError(opts.source, `kind ${JSON.stringify(kind ?? null)} is not a KubeProxyConfiguration, kube-proxy ConfigMap, DaemonSet or Pod`, undefined, undefined, 'kind');
}

/** The group /configz keys kube-proxy's configuration by (component-base configz: `{group: config}`). */
const CONFIGZ_GROUP = 'kubeproxy.config.k8s.io';

/**
 * kube-proxy's `/configz` answer: the KubeProxyConfiguration it loaded, after flags, file and
 * defaults, as JSON under its API group (`{"kubeproxy.config.k8s.io": {...}}`).
 */
export function parseKubeProxyConfigz(text: string, opts: SourceOpts): Parsed<KubeProxyConfig> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ParseError(opts.source, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const inner = isRecord(doc) ? doc[CONFIGZ_GROUP] : undefined;
  if (!isRecord(inner)) throw new ParseError(opts.source, `no "${CONFIGZ_GROUP}" object: not kube-proxy's /configz`);
  const warnings: ParseWarning[] = [];
  // Older kube-proxies serve the internal type, without apiVersion: it is the same configuration.
  const config = readConfig({ apiVersion: `${CONFIGZ_GROUP}/v1alpha1`, ...inner }, opts.source, warnings);
  return { value: config, warnings };
}

/** Reads a KubeProxyConfiguration object (v1alpha1 or v1alpha2) applying kube-proxy's defaults for what netx uses. */
function readConfig(o: Record<string, unknown>, source: string, warnings: ParseWarning[]): KubeProxyConfig {
  const apiVersion = str(o.apiVersion) ?? '';
  if (!apiVersion.startsWith('kubeproxy.config.k8s.io/')) warnings.push({ code: 'unsupported', message: `${source}: apiVersion ${JSON.stringify(apiVersion)} is not kubeproxy.config.k8s.io; read as v1alpha1` });
  const modeRaw = str(o.mode) ?? '';
  const mode = modeRaw === '' ? 'iptables' : modeRaw;
  if (!['iptables', 'ipvs', 'nftables', 'kernelspace'].includes(mode)) warnings.push({ code: 'unknown-mode', message: `${source}: mode ${JSON.stringify(modeRaw)} is not a kube-proxy mode` });
  const ipt = rec(o.iptables);
  const nft = rec(o.nftables);
  const ipvs = rec(o.ipvs);
  const linux = rec(o.linux);
  const detectLocal = rec(o.detectLocal);
  const section = mode === 'nftables' ? nft : ipt;
  const iptables = assignDefined({}, { masqueradeAll: bool(ipt.masqueradeAll), masqueradeBit: int(ipt.masqueradeBit), localhostNodePorts: bool(ipt.localhostNodePorts), syncPeriod: str(ipt.syncPeriod), minSyncPeriod: str(ipt.minSyncPeriod) });
  const nftables = assignDefined({}, { masqueradeAll: bool(nft.masqueradeAll), masqueradeBit: int(nft.masqueradeBit), syncPeriod: str(nft.syncPeriod), minSyncPeriod: str(nft.minSyncPeriod) });
  const metricsList = strList(o.metricsBindAddresses);
  const metricsPort = int(o.metricsBindPort);
  const cfg: KubeProxyConfig = {
    apiVersion,
    modeRaw,
    mode,
    modeDefaulted: modeRaw === '',
    clusterCIDRs: (str(o.clusterCIDR) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    detectLocalMode: str(o.detectLocalMode) ?? '',
    detectLocal: assignDefined({}, { bridgeInterface: nonEmpty(str(detectLocal.bridgeInterface)), interfaceNamePrefix: nonEmpty(str(detectLocal.interfaceNamePrefix)) }),
    masqueradeAll: bool(linux.masqueradeAll) ?? bool(section.masqueradeAll) ?? bool(o.masqueradeAll) ?? false,
    masqueradeBit: int(section.masqueradeBit) ?? int(ipt.masqueradeBit) ?? 14,
    nodePortAddresses: strList(o.nodePortAddresses),
    metricsBindAddress: nonEmpty(str(o.metricsBindAddress)) ?? (metricsList.length ? `${metricsList.join(',')}:${metricsPort ?? 10249}` : DEFAULT_METRICS),
    ipvs: { scheduler: nonEmpty(str(ipvs.scheduler)) ?? 'rr', strictARP: bool(ipvs.strictARP) ?? false, excludeCIDRs: strList(ipvs.excludeCIDRs) },
    iptables,
    nftables,
  };
  const healthz = nonEmpty(str(o.healthzBindAddress));
  if (healthz) cfg.healthzBindAddress = healthz;
  return cfg;
}

function readWorkload(doc: Record<string, unknown>, source: string, warnings: ParseWarning[]): KubeProxySource | undefined {
  const kind = doc.kind;
  const podSpec = kind === 'DaemonSet' ? rec(rec(rec(doc.spec).template).spec) : kind === 'Pod' || kind === undefined ? rec(doc.spec) : undefined;
  if (!podSpec || !Array.isArray(podSpec.containers)) return undefined;
  const containers = podSpec.containers.filter(isRecord);
  const c = containers.find((x) => x.name === 'kube-proxy') ?? containers.find((x) => [...strList(x.command), ...strList(x.args)].some((a) => a.includes('kube-proxy') || a.startsWith('--proxy-mode') || a.startsWith('--cluster-cidr')));
  if (!c) return undefined;
  const { flags, warnings: w } = parseKubeProxyArgs([...strList(c.command), ...strList(c.args)], source);
  warnings.push(...w);
  return { kind: 'workload', from: kind === 'DaemonSet' ? 'DaemonSet' : kind === 'Pod' ? 'Pod' : 'pod-spec', container: str(c.name) ?? '', flags };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const nonEmpty = (v: string | undefined): string | undefined => (v === '' ? undefined : v);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
