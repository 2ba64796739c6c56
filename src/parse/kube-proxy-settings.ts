/** kube-proxy's effective settings from its config file and its flags. */
import type { KubeProxyConfig } from './kube-proxy-config.js';
import type { KubeProxyFlags } from './kube-proxy-flags.js';

/** The settings netx uses, combined from a config file and the workload's flags. */
export interface KubeProxySettings {
  mode: string;
  modeFrom: 'config' | 'flags' | 'default';
  clusterCIDRs: string[];
  masqueradeBit: number;
  /** Flags whose value differs from the config file (kube-proxy reads the file when --config is given). */
  conflicts: { flag: string; flagValue: string; configValue: string }[];
}

/**
 * Rule (documented in docs/parsers.md): with --config, the file's values are used and differing flags are reported as
 * conflicts (flag-vs-file precedence changed across releases, so the live /proxyMode answer outranks both); without a
 * config, flags apply; with neither, kube-proxy's defaults (iptables, bit 14).
 */
export function kubeProxySettings(config: KubeProxyConfig | undefined, flags: KubeProxyFlags | undefined): KubeProxySettings {
  if (config) {
    const conflicts: KubeProxySettings['conflicts'] = [];
    if (flags?.mode !== undefined && flags.mode !== config.modeRaw) conflicts.push({ flag: 'proxy-mode', flagValue: flags.mode, configValue: config.modeRaw });
    const fc = flags?.clusterCIDRs?.join(',');
    if (fc !== undefined && fc !== config.clusterCIDRs.join(',')) conflicts.push({ flag: 'cluster-cidr', flagValue: fc, configValue: config.clusterCIDRs.join(',') });
    return { mode: config.mode, modeFrom: config.modeDefaulted ? 'default' : 'config', clusterCIDRs: config.clusterCIDRs, masqueradeBit: config.masqueradeBit, conflicts };
  }
  const mode = flags?.mode !== undefined && flags.mode !== '' ? flags.mode : undefined;
  return { mode: mode ?? 'iptables', modeFrom: mode ? 'flags' : 'default', clusterCIDRs: flags?.clusterCIDRs ?? [], masqueradeBit: flags?.masqueradeBit ?? 14, conflicts: [] };
}
