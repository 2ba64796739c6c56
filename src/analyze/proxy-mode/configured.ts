/**
 * The configured mode: every place that sets kube-proxy's mode, with evidence, and one answer
 * with the precedence rules that produced it.
 */
import type { V1ConfigMap, V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import { nsName, objectsOf } from '../../model/k8s.js';
import { ParseError } from '../../util/parse-error.js';
import type { Snapshot } from '../../snapshot/types.js';
import { modeValue } from './modes.js';
import { decide } from './precedence.js';
import { parseKubeProxySource } from '../../parse/kube-proxy-config.js';
import { parseKubeProxyArgs } from '../../parse/kube-proxy-flags.js';
import { distroHints } from './hints.js';
import { hostProcesses, nodeList, runningKubeProxy, runningSources } from './running.js';
import type { ConfigSource, ConfiguredMode } from './types.js';
import { argvOf, daemonSetNamed, isMirrorPod, kubeProxyContainer, kubeProxyDaemonSets, kubeProxyPods } from './workloads.js';

/** ConfigMaps whose names say "this is kube-proxy's config" (kubeadm, EKS): tried first. */
const KNOWN_CONFIGMAPS: Record<string, string> = { 'kube-proxy': 'config.conf', 'kube-proxy-config': 'config' };

/** Every configuration source found, then the decision. */
export function configuredMode(s: Snapshot): ConfiguredMode {
  const withPod = new Set(kubeProxyPods(s).flatMap((p) => (p.spec?.nodeName ? [p.spec.nodeName] : [])));
  const running = hostProcesses(s, withPod);
  const sources: ConfigSource[] = [...configMapSources(s), ...daemonSetFlagSources(s), ...staticPodSources(s), ...runningSources(running), ...replacementSources(s), ...distroHints(s)];
  if (kubeProxyDaemonSets(s).length === 0 && kubeProxyPods(s).length === 0 && running.length === 0 && !sources.some((x) => x.kind === 'hint')) {
    sources.push({ kind: 'absent', evidence: absentEvidence(s) });
  }
  const decided = decide(sources);
  const problems = Object.keys(s.nodes)
    .sort()
    .flatMap((n) => runningKubeProxy(n, s.nodes[n])?.problems.map((p) => `${n}: kube-proxy runs, but ${p}`) ?? []);
  return problems.length ? { ...decided, assumptions: [...decided.assumptions, ...problems] } : decided;
}

/** Why no kube-proxy is seen: no workload, and (when nodes were probed) none answered on them either. */
function absentEvidence(s: Snapshot): string {
  const probed = Object.entries(s.nodes).filter(([, c]) => c.dumps['proxyMode'] !== undefined).map(([n]) => n);
  const api = 'no kube-proxy DaemonSet and no kube-proxy pods in kube-system';
  return probed.length ? `${api}, and no kube-proxy answered on ${nodeList(probed.sort())} (:10249)` : `${api}; no node was probed for a kube-proxy outside Kubernetes`;
}

function configMapSources(s: Snapshot): ConfigSource[] {
  const cms = objectsOf(s, 'configmaps').filter((c) => c.metadata?.namespace === 'kube-system');
  const ordered = [...cms.filter((c) => (c.metadata?.name ?? '') in KNOWN_CONFIGMAPS), ...cms.filter((c) => !((c.metadata?.name ?? '') in KNOWN_CONFIGMAPS))];
  const out: ConfigSource[] = [];
  for (const cm of ordered) {
    for (const [key, text] of Object.entries(cm.data ?? {})) {
      if (!text.includes('KubeProxyConfiguration')) continue;
      const src = configFileSource(cm, key, text);
      if (src) out.push(src);
    }
  }
  for (const src of out) if (src.kind === 'config-file') src.mountedBy = mountingDaemonSet(s, src.object, src.key);
  return out;
}

function configFileSource(cm: V1ConfigMap, key: string, text: string): ConfigSource | undefined {
  const object = `ConfigMap ${nsName(cm)}`;
  try {
    const doc = parseKubeProxySource(text, { source: `${object} key ${key}` }).value;
    if (doc.kind !== 'config') return undefined;
    const mode = modeValue(doc.config.modeRaw);
    const shown = doc.config.modeRaw === '' ? 'mode empty or not set' : `mode: ${doc.config.modeRaw}`;
    return { kind: 'config-file', object, key, mode, evidence: `${key}: ${shown}` };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    // Mentions KubeProxyConfiguration but is no readable document of that kind: say so, never guess.
    return { kind: 'config-file', object, key, mode: { mode: 'unrecognised', written: '', defaulted: false }, evidence: `unreadable: ${e.message}` };
  }
}

/** kube-proxy's flags as the shared parser reads them (`--name=value`, `--name value`). */
const flagsOf = (argv: string[], source: string) => parseKubeProxyArgs(argv, source).flags;

/** Which DaemonSet mounts this ConfigMap key as its --config file. */
function mountingDaemonSet(s: Snapshot, object: string, key: string): string | undefined {
  for (const ds of kubeProxyDaemonSets(s)) {
    const ref = configFileRef(ds);
    if (ref && `ConfigMap kube-system/${ref.configMap}` === object && ref.key === key) return `DaemonSet ${nsName(ds)}`;
  }
  return undefined;
}

/** Resolves `--config=/var/lib/kube-proxy/config.conf` through volumeMounts to a ConfigMap key. */
function configFileRef(ds: V1DaemonSet): { path: string; configMap?: string; key?: string } | undefined {
  const spec = ds.spec?.template?.spec;
  const c = kubeProxyContainer(spec);
  const path = c ? flagsOf(argvOf(c), `DaemonSet ${nsName(ds)}`).configPath : undefined;
  if (!c || !path) return undefined;
  const mount = (c.volumeMounts ?? []).filter((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  const vol = mount && (spec?.volumes ?? []).find((v) => v.name === mount.name);
  if (!mount || !vol?.configMap?.name) return { path };
  const rel = path.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  const item = (vol.configMap.items ?? []).find((i) => i.path === rel);
  return { path, configMap: vol.configMap.name, key: item?.key ?? rel };
}

function daemonSetFlagSources(s: Snapshot): ConfigSource[] {
  const out: ConfigSource[] = [];
  for (const ds of kubeProxyDaemonSets(s)) {
    const c = kubeProxyContainer(ds.spec?.template?.spec);
    const flag = c ? flagsOf(argvOf(c), `DaemonSet ${nsName(ds)}`).mode : undefined;
    if (flag === undefined) continue;
    const ref = configFileRef(ds);
    out.push({ kind: 'flag', object: `DaemonSet ${nsName(ds)}`, mode: modeValue(flag), ...(ref ? { alsoConfigFile: ref.path } : {}), evidence: `--proxy-mode=${flag}` });
  }
  return out;
}

function staticPodSources(s: Snapshot): ConfigSource[] {
  return kubeProxyPods(s)
    .filter(isMirrorPod)
    .flatMap((p: V1Pod): ConfigSource[] => {
      const c = kubeProxyContainer(p.spec);
      const argv = c ? argvOf(c) : [];
      const { mode: flag, configPath: config } = flagsOf(argv, `Pod ${nsName(p)}`);
      const object = `static Pod ${nsName(p)} (node ${p.spec?.nodeName ?? '?'})`;
      const node = p.spec?.nodeName ? { node: p.spec.nodeName } : {};
      if (flag !== undefined) return [{ kind: 'flag', object, mode: modeValue(flag), ...(config ? { alsoConfigFile: config } : {}), evidence: `--proxy-mode=${flag}`, ...node }];
      if (config) return [];
      // No flag and no config file: the built-in default applies (GKE Dataplane V1 static pods).
      return [{ kind: 'flag', object, mode: modeValue(''), evidence: 'no --proxy-mode and no --config', ...node }];
    });
}

function replacementSources(s: Snapshot): ConfigSource[] {
  const out: ConfigSource[] = [];
  const cilium = objectsOf(s, 'configmaps').find((c) => c.metadata?.namespace === 'kube-system' && c.metadata?.name === 'cilium-config');
  const kpr = cilium?.data?.['kube-proxy-replacement'];
  if (cilium && kpr !== undefined) {
    const state = ({ true: 'full', strict: 'full', partial: 'partial', false: 'off', disabled: 'off' } as const)[kpr as 'true'] ?? 'unknown';
    const legacy = ['strict', 'partial', 'disabled'].includes(kpr) ? ' (legacy value, before Cilium 1.14)' : kpr === 'probe' ? ' (removed in Cilium 1.13)' : '';
    out.push({ kind: 'replacement', by: 'cilium', state, object: 'ConfigMap kube-system/cilium-config', evidence: `kube-proxy-replacement: "${kpr}"${legacy}` });
  }
  const anetd = daemonSetNamed(s, 'anetd');
  if (anetd) out.push({ kind: 'replacement', by: 'gke-dataplane-v2', state: 'full', object: 'DaemonSet kube-system/anetd', evidence: 'GKE Dataplane V2 (anetd) proxies services; GKE runs no kube-proxy with it' });
  return out;
}
