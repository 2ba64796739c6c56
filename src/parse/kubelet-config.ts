/**
 * The kubelet's DNS settings: its KubeletConfiguration file (YAML or JSON: kubeadm's
 * /var/lib/kubelet/config.yaml, the kube-system/kubelet-config ConfigMap's `kubelet` key, EKS's JSON)
 * and its command line (`--config`, and the deprecated `--cluster-dns`, `--cluster-domain`,
 * `--resolv-conf` flags, which override the file).
 */
import { ParseError, type ParseWarning } from '../util/parse-error.js';
import type { Parsed, SourceOpts } from './parsed.js';
import { isRecord, parseYamlDocuments } from './yaml-doc.js';

/** kubelet's default `resolvConf` (kubetypes.ResolvConfDefault). */
export const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';

export interface KubeletDnsConfig {
  apiVersion?: string;
  /** `clusterDNS` (empty: the kubelet has none; ClusterFirst pods then fall back to Default). */
  clusterDNS: string[];
  /** `clusterDomain` as written (a trailing dot kept); absent: none. */
  clusterDomain?: string;
  /** `resolvConf`: absent means the default /etc/resolv.conf; '' means none (pods get 127.0.0.1, search "."). */
  resolvConf?: string;
}

/** Reads a KubeletConfiguration document; a document of another kind is a ParseError. */
export function parseKubeletConfig(text: string, opts: SourceOpts): Parsed<KubeletDnsConfig> {
  const { docs, warnings } = parseYamlDocuments(text, opts.source);
  const doc = docs.find(isRecord);
  if (!doc) throw new ParseError(opts.source, 'no YAML/JSON object in the input (empty, or a bare value)', 1, 1);
  if (doc.kind !== undefined && doc.kind !== 'KubeletConfiguration') throw new ParseError(opts.source, `kind ${JSON.stringify(doc.kind)} is not KubeletConfiguration`, undefined, undefined, 'kind');
  const out: KubeletDnsConfig = { clusterDNS: [] };
  if (typeof doc.apiVersion === 'string') {
    out.apiVersion = doc.apiVersion;
    if (!doc.apiVersion.startsWith('kubelet.config.k8s.io/')) warnings.push({ code: 'unsupported', message: `apiVersion ${doc.apiVersion} is not kubelet.config.k8s.io; read as v1beta1`, source: opts.source });
  }
  if (doc.clusterDNS !== undefined && doc.clusterDNS !== null) {
    if (!Array.isArray(doc.clusterDNS) || !doc.clusterDNS.every((x) => typeof x === 'string')) throw new ParseError(opts.source, 'clusterDNS must be a list of IP addresses', undefined, undefined, 'clusterDNS');
    out.clusterDNS = doc.clusterDNS as string[];
  }
  for (const key of ['clusterDomain', 'resolvConf'] as const) {
    const v = doc[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new ParseError(opts.source, `${key} must be a string`, undefined, undefined, key);
    out[key] = v;
  }
  return { value: out, warnings };
}

export interface KubeletFlags {
  /** `--config`: the KubeletConfiguration file. */
  config?: string;
  /** `--config-dir`: drop-in KubeletConfiguration files that override `--config` (1.28+). */
  configDir?: string;
  clusterDNS?: string[];
  clusterDomain?: string;
  resolvConf?: string;
}

const FLAG_NAMES: Record<string, keyof KubeletFlags> = { config: 'config', 'config-dir': 'configDir', 'cluster-dns': 'clusterDNS', 'cluster-domain': 'clusterDomain', 'resolv-conf': 'resolvConf' };

/**
 * The DNS-related flags of a kubelet command line (argv, one argument per element; argv[0] is the
 * program). `--flag=value` and `--flag value` (pflag), single or double dash; the last one wins.
 */
export function parseKubeletArgs(argv: readonly string[]): Parsed<KubeletFlags> {
  const out: KubeletFlags = {};
  const warnings: ParseWarning[] = [];
  for (let i = 1; i < argv.length; i++) {
    const m = /^--?([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(argv[i] ?? '');
    const field = m ? FLAG_NAMES[m[1]!] : undefined;
    if (!m || !field) continue;
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('-')) {
        warnings.push({ code: 'bad-flag', message: `--${m[1]} without a value` });
        continue;
      }
      i++;
    }
    if (field === 'clusterDNS') out.clusterDNS = value.split(',').map((s) => s.trim()).filter(Boolean);
    else out[field] = value;
  }
  return { value: out, warnings };
}
