/** From all configuration sources to one configured mode, with the rules used said out loud. */
import type { ConfigSource, ConfiguredMode } from './types.js';

const FLAG_PRECEDENCE_ASSUMPTION =
  'when --config is set, kube-proxy takes the mode from the config file and ignores --proxy-mode (kube-proxy flag reference: "ignored if a config file is specified by --config"); the live :10249/proxyMode answer, when probed, outranks both';

/** Said when kube-proxy runs outside Kubernetes and its configuration was read on the nodes. */
const HOST_PROCESS_ASSUMPTION = 'no kube-proxy DaemonSet or pod: kube-proxy runs as a host process; its configuration is read on each node, and each node is held to its own';

/**
 * Precedence: a DaemonSet's mounted config file, else its --proxy-mode flag, else static pods'
 * flags, else what host-process kube-proxies run with (read on the nodes), else a kube-proxy
 * ConfigMap nobody mounts (when some kube-proxy runs), else a distribution hint. A ConfigMap with
 * no kube-proxy seen to read it leaves the mode unknown: it may be read by a kube-proxy the probe
 * did not reach, or be a leftover.
 */
export function decide(sources: ConfigSource[]): ConfiguredMode {
  const assumptions: string[] = [];
  const pick = (i: number, why?: string): ConfiguredMode => {
    const src = sources[i];
    const mv = src && 'mode' in src ? src.mode : undefined;
    if (why) assumptions.push(why);
    if (mv?.defaulted) assumptions.push('an empty or missing mode means iptables on Linux (kube-proxy default)');
    return { mode: mv?.mode ?? 'unknown', defaulted: mv?.defaulted ?? false, decidedBy: i, assumptions, sources };
  };
  const idx = (f: (x: ConfigSource) => boolean): number => sources.findIndex(f);
  const mounted = idx((x) => x.kind === 'config-file' && x.mountedBy !== undefined);
  if (mounted >= 0) {
    if (sources.some((x) => x.kind === 'flag' && x.alsoConfigFile)) assumptions.push(FLAG_PRECEDENCE_ASSUMPTION);
    return pick(mounted);
  }
  const dsFlag = idx((x) => x.kind === 'flag' && x.object.startsWith('DaemonSet') && !x.alsoConfigFile);
  if (dsFlag >= 0) return pick(dsFlag);
  const staticFlag = idx((x) => x.kind === 'flag' && x.object.startsWith('static') && !x.alsoConfigFile);
  if (staticFlag >= 0) return pick(staticFlag, 'static kube-proxy pods: the first node\'s flags stand for the cluster; each node is compared with its own pod');
  const running = idx((x) => x.kind === 'running');
  if (running >= 0) return pick(running, HOST_PROCESS_ASSUMPTION);
  const cm = idx((x) => x.kind === 'config-file');
  const hasKubeProxy = !sources.some((x) => x.kind === 'absent');
  if (cm >= 0 && hasKubeProxy) {
    if (sources.some((x) => x.kind === 'flag' && x.alsoConfigFile)) assumptions.push(FLAG_PRECEDENCE_ASSUMPTION);
    return pick(cm, 'no DaemonSet mounts this ConfigMap: assumed to be the one kube-proxy reads');
  }
  const flagWithFile = idx((x) => x.kind === 'flag');
  if (flagWithFile >= 0) return pick(flagWithFile, 'the --config file kube-proxy reads is not in any ConfigMap of the snapshot, so its mode is unknown; the --proxy-mode flag is shown instead');
  const hint = idx((x) => x.kind === 'hint' && x.mode !== undefined);
  if (hint >= 0) return pick(hint, 'from a distribution hint, not from kube-proxy itself');
  const replaced = sources.find((x) => x.kind === 'replacement' && x.state === 'full');
  if (!hasKubeProxy && cm >= 0 && !replaced) {
    const src = sources[cm];
    const object = src && 'object' in src ? src.object : 'a ConfigMap';
    return { mode: 'unknown', defaulted: false, assumptions: [...assumptions, `${object} configures kube-proxy, but no kube-proxy is seen reading it (no DaemonSet or pod; on the nodes, none answered or none was probed): the mode it runs is unknown`], sources };
  }
  if (!hasKubeProxy || sources.some((x) => x.kind === 'hint' && x.disabled)) {
    return { mode: replaced ? 'replaced' : 'none', defaulted: false, assumptions, sources };
  }
  if (sources.some((x) => x.kind === 'hint')) {
    assumptions.push('k3s/RKE2 run kube-proxy without a ConfigMap; no proxy-mode argument found, so the default applies');
    return { mode: 'iptables', defaulted: true, assumptions, sources };
  }
  return { mode: 'unknown', defaulted: false, assumptions: [...assumptions, 'kube-proxy runs but no source says its mode'], sources };
}
