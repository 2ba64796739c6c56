/** kube-proxy command-line flags (DaemonSet / static pod args) → the settings netx cares about. */
import type { ParseWarning } from '../util/parse-error.js';

export interface KubeProxyFlags {
  /** --proxy-mode */
  mode?: string;
  /** --cluster-cidr, split on commas (dual-stack). */
  clusterCIDRs?: string[];
  /** --config: the file the settings come from instead. */
  configPath?: string;
  masqueradeAll?: boolean;
  masqueradeBit?: number;
  nodePortAddresses?: string[];
  metricsBindAddress?: string;
  healthzBindAddress?: string;
  detectLocalMode?: string;
  ipvsScheduler?: string;
  ipvsStrictARP?: boolean;
  hostnameOverride?: string;
  /** Every `--name=value` seen, as written (value `true` for a bare boolean flag). */
  all: Record<string, string>;
}

/** Reads `--name=value`, `--name value` and bare `--flag`; text after the value (comments pasted in) becomes a warning. */
export function parseKubeProxyArgs(args: string[], source: string): { flags: KubeProxyFlags; warnings: ParseWarning[] } {
  const warnings: ParseWarning[] = [];
  const all: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!.trim();
    if (!raw.startsWith('--')) continue; // the binary path, `kube-proxy`, or positional noise
    const eq = raw.indexOf('=');
    let name = eq < 0 ? raw.slice(2) : raw.slice(2, eq);
    let value = eq < 0 ? undefined : raw.slice(eq + 1);
    if (value === undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-') && !BOOL_FLAGS.has(name)) value = args[++i]!.trim();
    const parts = (value ?? 'true').split(/\s+/);
    if (parts.length > 1) warnings.push({ code: 'flag-trailing-text', message: `${source}: --${name} is followed by "${parts.slice(1).join(' ')}", which kube-proxy would not accept; read the value as "${parts[0]}"` });
    name = name.trim();
    all[name] = parts[0]!;
  }
  const list = (v: string | undefined) => (v === undefined || v === '' ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
  const bool = (v: string | undefined) => (v === undefined ? undefined : v === 'true');
  const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const flags: KubeProxyFlags = { all };
  const set = <K extends keyof KubeProxyFlags>(k: K, v: KubeProxyFlags[K] | undefined) => {
    if (v !== undefined) flags[k] = v;
  };
  set('mode', all['proxy-mode']);
  set('clusterCIDRs', list(all['cluster-cidr']));
  set('configPath', all.config);
  set('masqueradeAll', bool(all['masquerade-all']));
  set('masqueradeBit', int(all['iptables-masquerade-bit']));
  set('nodePortAddresses', list(all['nodeport-addresses']));
  set('metricsBindAddress', all['metrics-bind-address']);
  set('healthzBindAddress', all['healthz-bind-address']);
  set('detectLocalMode', all['detect-local-mode']);
  set('ipvsScheduler', all['ipvs-scheduler']);
  set('ipvsStrictARP', bool(all['ipvs-strict-arp']));
  set('hostnameOverride', all['hostname-override']);
  return { flags, warnings };
}

const BOOL_FLAGS = new Set(['masquerade-all', 'ipvs-strict-arp', 'cleanup', 'bind-address-hard-fail', 'profiling', 'v']);
