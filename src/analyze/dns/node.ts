/**
 * One node's kubelet DNS settings from its probe: the kubelet's command line and config file, the
 * resolv.conf it uses for the node (files), and the resolv.conf it wrote into the probe pod
 * (`pod-resolv-conf`, dnsPolicy ClusterFirstWithHostNet). Each value says where it came from; when the
 * files and the kubelet's own output disagree, the output wins (it is what pods get) and a finding
 * says so.
 */
import { ParseError } from '../../util/parse-error.js';
import { DEFAULT_RESOLV_CONF, parseKubeletArgs, parseKubeletConfig, type KubeletDnsConfig, type KubeletFlags } from '../../parse/kubelet-config.js';
import { parseResolvConf } from '../../parse/resolv-conf.js';
import { decodeDumpStdout } from '../../snapshot/dump-encoding.js';
import type { NodeCapture } from '../../snapshot/types.js';
import type { Finding } from '../../sim/trace.js';
import { clusterSearchOf, kubeletReading, type ResolverView } from './kubelet.js';

export interface Sourced<T> {
  value: T;
  /** Where it was read, or `assumed: …`. */
  source: string;
  assumed?: boolean;
  /** Read from this node's kubelet (another node's pods only assume it). */
  node?: string;
}

/** The node's resolv.conf as the kubelet reads it (for dnsPolicy Default, and the search domains it appends). */
export interface HostResolv extends ResolverView {
  /** `NODE:PATH`, or what it was inferred from. */
  source: string;
  /** Only the search domains are known (seen in the probe pod's file); the nameservers are not. */
  searchOnly?: boolean;
  /** The kubelet has `resolvConf: ""`: no node file (Default pods get 127.0.0.1). */
  none?: boolean;
}

export interface NodeDns {
  node: string;
  clusterDNS?: Sourced<string[]>;
  clusterDomain?: Sourced<string>;
  host?: HostResolv;
  /** The file the kubelet uses for the node (its resolvConf), and where that was read. */
  resolvConfPath: Sourced<string>;
  /** Problems with this node's DNS settings (unreadable files, files that disagree with the kubelet). */
  findings: Finding[];
  notes: string[];
}

/** Paths where distributions keep the KubeletConfiguration, tried when no kubelet command line was captured. */
const KUBELET_CONFIG_PATHS = ['/var/lib/kubelet/config.yaml', '/etc/kubernetes/kubelet/config.yaml', '/etc/kubernetes/kubelet/config.json', '/etc/kubernetes/kubelet-config.yaml'];

/** `shared`: the cluster-wide KubeletConfiguration (kubeadm's ConfigMap), used for what the node does not say. */
export function nodeDns(node: string, cap: NodeCapture, shared?: { cfg: KubeletDnsConfig; source: string }): NodeDns {
  const out: NodeDns = { node, resolvConfPath: { value: DEFAULT_RESOLV_CONF, source: 'kubelet default', assumed: true }, findings: [], notes: [] };
  const flags = kubeletFlags(cap);
  const file = kubeletFile(node, cap, flags, out);
  const fromConfig = (key: 'clusterDomain' | 'resolvConf'): Sourced<string> | undefined => {
    const flag = flags?.value[key];
    if (flag !== undefined) return { value: flag, source: `kubelet flag --${key === 'clusterDomain' ? 'cluster-domain' : 'resolv-conf'} (${node} command line)` };
    const own = file?.cfg[key];
    if (own !== undefined) return { value: own, source: `kubelet ${key} (${file!.source})` };
    const cm = shared?.cfg[key];
    return cm !== undefined ? { value: cm, source: `kubelet ${key} (${shared!.source})` } : undefined;
  };
  if (flags?.value.clusterDNS) out.clusterDNS = { value: flags.value.clusterDNS, source: `kubelet flag --cluster-dns (${node} command line)` };
  else if (file) out.clusterDNS = { value: file.cfg.clusterDNS, source: `kubelet clusterDNS (${file.source})` };
  else if (shared?.cfg.clusterDNS.length) out.clusterDNS = { value: shared.cfg.clusterDNS, source: `kubelet clusterDNS (${shared.source})` };
  const domain = fromConfig('clusterDomain');
  if (domain) out.clusterDomain = { ...domain, value: domain.value.replace(/\.$/, '') };
  const rc = fromConfig('resolvConf');
  if (rc) out.resolvConfPath = rc;
  out.host = hostFile(node, cap, out);
  reconcileWithProbePod(node, cap, out);
  return out;
}

function kubeletFlags(cap: NodeCapture): { value: KubeletFlags; seen: boolean } | undefined {
  const d = cap.dumps['kubelet-cmdline'];
  if (!d || d.exitCode !== 0) return undefined;
  const text = decodeDumpStdout(d);
  const args = text.kind === 'text' ? text.text.split('\n').filter((a) => a !== '') : [];
  return args.length ? { value: parseKubeletArgs(args).value, seen: true } : undefined;
}

function kubeletFile(node: string, cap: NodeCapture, flags: { value: KubeletFlags } | undefined, out: NodeDns): { cfg: KubeletDnsConfig; source: string } | undefined {
  // With the kubelet's command line known, only its --config counts (a kubeadm file may be stale).
  const paths = flags ? (flags.value.config ? [flags.value.config] : []) : KUBELET_CONFIG_PATHS;
  for (const path of paths) {
    const text = cap.files?.[path];
    if (text === undefined) continue;
    try {
      return { cfg: parseKubeletConfig(text, { source: `${node}:${path}` }).value, source: `${node}:${path}` };
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      out.findings.push({ code: 'dns-kubelet-config-unreadable', severity: 'warning', message: `the kubelet config on ${node} cannot be read: ${e.message}`, evidence: [`${node}:${path}`] });
    }
  }
  if (flags?.value.configDir) out.notes.push(`the kubelet on ${node} also reads drop-ins from ${flags.value.configDir} (not captured): they may override its DNS settings`);
  if (flags?.value.config && cap.files && !(flags.value.config in cap.files)) out.notes.push(`the kubelet's --config ${flags.value.config} on ${node} was not captured`);
  return undefined;
}

/** The node's file the kubelet uses (its resolvConf), read with the kubelet's rules. */
function hostFile(node: string, cap: NodeCapture, out: NodeDns): HostResolv | undefined {
  const path = out.resolvConfPath.value;
  if (path === '') return { source: `${out.resolvConfPath.source}: empty, no node file`, nameservers: ['127.0.0.1'], search: [], options: [], none: true };
  const text = cap.files?.[path];
  if (text === undefined) return undefined;
  try {
    return { source: `${node}:${path} (${out.resolvConfPath.source})`, ...kubeletReading(parseResolvConf(text, { source: `${node}:${path}` }).value) };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    out.findings.push({
      code: 'dns-node-resolv-conf-unreadable',
      severity: 'error',
      message: `the kubelet cannot read ${path} on ${node} (${e.message}): it fails to set up DNS for new pods there, which then do not start`,
      evidence: [`${node}:${path}`],
      hint: `fix the file, or point the kubelet's resolvConf at a valid one`,
    });
    return undefined;
  }
}

/**
 * The probe pod's resolv.conf is the kubelet's own output for ClusterFirst: its nameservers are the
 * clusterDNS and its search line names the cluster domain and the node's search domains.
 */
function reconcileWithProbePod(node: string, cap: NodeCapture, out: NodeDns): void {
  const d = cap.dumps['pod-resolv-conf'];
  if (!d || d.exitCode !== 0) return;
  const text = decodeDumpStdout(d);
  if (text.kind !== 'text') return;
  let view: ResolverView;
  try {
    view = kubeletReading(parseResolvConf(text.text, { source: `${node} probe pod /etc/resolv.conf` }).value);
  } catch {
    return; // the kubelet wrote it: unreadable means it is not what we think it is
  }
  const source = `the resolv.conf the kubelet wrote into the probe pod on ${node}`;
  const cluster = clusterSearchOf(view.search);
  if (!cluster) {
    // A kubelet without clusterDNS renders ClusterFirst as Default (dns.go: MissingClusterDNS); so does
    // anything else that rewrote the pod's DNS (a mutating webhook): say it, conclude nothing.
    out.notes.push(`${source} has no cluster search path (<namespace>.svc.<domain>): the kubelet on ${node} may have no clusterDNS (ClusterFirst pods would then get the node's resolv.conf)`);
    return;
  }
  const disagree = (what: string, file: string, seen: string, from: string): void => {
    out.findings.push({
      code: 'dns-kubelet-config-disagrees',
      severity: 'warning',
      message: `${what} on ${node}: ${from} says ${file}, but the kubelet writes ${seen} into pods (a flag overrides the file, or the kubelet was not restarted after a change)`,
      evidence: [from, source],
    });
  };
  if (out.clusterDNS?.value.length && out.clusterDNS.value.slice(0, 3).join(',') !== view.nameservers.join(',')) disagree('cluster DNS', out.clusterDNS.value.join(', '), view.nameservers.join(', '), out.clusterDNS.source);
  if (out.clusterDomain && out.clusterDomain.value !== cluster.domain) disagree('cluster domain', out.clusterDomain.value, cluster.domain, out.clusterDomain.source);
  if (!out.clusterDNS?.value.length || out.clusterDNS.value.slice(0, 3).join(',') !== view.nameservers.join(',')) out.clusterDNS = { value: view.nameservers, source };
  if (!out.clusterDomain || out.clusterDomain.value !== cluster.domain) out.clusterDomain = { value: cluster.domain, source };
  if (!out.host) out.host = { source: `${source} (search domains after the cluster ones)`, nameservers: [], search: cluster.nodeSearch, options: [], searchOnly: true };
}
