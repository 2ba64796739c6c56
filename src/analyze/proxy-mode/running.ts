/**
 * The kube-proxy a node runs, as the probe read it on the node itself: its command line and --config
 * file (with a view of the node), the configuration it loaded (:10249/configz), its mode
 * (:10249/proxyMode) and its version (kubernetes_build_info). This is where kube-proxy's configuration
 * is read when it runs as a host process, with no DaemonSet or pod in the API to read it from.
 */
import { ParseError } from '../../util/parse-error.js';
import type { NodeCapture, Snapshot } from '../../snapshot/types.js';
import { dumpTextOf } from '../../parse/node/dump-reader.js';
import { modeValue } from './modes.js';
import { parseKubeProxyConfigz, parseKubeProxySource } from '../../parse/kube-proxy-config.js';
import { parseKubeProxyArgs } from '../../parse/kube-proxy-flags.js';
import type { ConfigSource, ModeValue } from './types.js';

/** Dump keys read here (probe/catalogue.ts, probe/node-probe.ts). */
export const RUNNING_DUMPS = ['kube-proxy-configz', 'kube-proxy-build', 'kube-proxy-cmdline'] as const;

/** One node's kube-proxy, as far as the probe could read it. */
export interface RunningKubeProxy {
  node: string;
  /** Best source of its configured mode on this node, or why none could be read. */
  config?: { via: 'process' | 'configz' | 'proxyMode'; mode: ModeValue; configFile?: string; evidence: string };
  /** Its version (git_version of kubernetes_build_info). */
  version?: string;
  /** What was read but could not be used (a config file that would not parse, a cut answer). */
  problems: string[];
}

const BUILD_VERSION = /\bgit_version="([^"]+)"/;

/** kube-proxy's version from the `kubernetes_build_info{…git_version="v1.37.2"…} 1` line. */
export function buildVersion(capture: NodeCapture | undefined): string | undefined {
  const t = dumpTextOf(capture, 'kube-proxy-build');
  return t === undefined ? undefined : BUILD_VERSION.exec(t)?.[1];
}

/** What the node's kube-proxy runs with; undefined when nothing on the node answered for one. */
export function runningKubeProxy(node: string, capture: NodeCapture | undefined): RunningKubeProxy | undefined {
  const problems: string[] = [];
  const config = fromProcess(capture, problems) ?? fromConfigz(capture, problems) ?? fromProxyMode(capture);
  const version = buildVersion(capture);
  if (!config && !version && problems.length === 0) return undefined;
  return { node, ...(config ? { config } : {}), ...(version ? { version } : {}), problems };
}

/**
 * The command line: --config names the file whose mode wins over --proxy-mode (kube-proxy ignores
 * most flags when a config file is given); without --config, --proxy-mode or the built-in default.
 */
function fromProcess(capture: NodeCapture | undefined, problems: string[]): RunningKubeProxy['config'] {
  const t = dumpTextOf(capture, 'kube-proxy-cmdline');
  if (t === undefined) return undefined;
  const argv = t.split('\n').filter((a) => a !== '');
  if (argv.length === 0) return undefined;
  const flags = parseKubeProxyArgs(argv, 'kube-proxy-cmdline').flags;
  const path = flags.configPath;
  if (path) {
    const text = capture?.files?.[path];
    if (text === undefined) {
      problems.push(`its --config file ${path} could not be read`);
      return undefined;
    }
    try {
      const doc = parseKubeProxySource(text, { source: path }).value;
      if (doc.kind !== 'config') throw new ParseError(path, 'not a KubeProxyConfiguration');
      const mode = modeValue(doc.config.modeRaw);
      return { via: 'process', mode, configFile: path, evidence: `--config=${path}: ${shown(mode)}` };
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      problems.push(`its --config file ${path} is unreadable: ${e.message}`);
      return undefined;
    }
  }
  const mode = modeValue(flags.mode);
  return { via: 'process', mode, evidence: flags.mode !== undefined ? `--proxy-mode=${flags.mode}` : 'no --proxy-mode and no --config' };
}

function fromConfigz(capture: NodeCapture | undefined, problems: string[]): RunningKubeProxy['config'] {
  const t = dumpTextOf(capture, 'kube-proxy-configz');
  if (t === undefined || t.trim() === '') return undefined;
  try {
    const cfg = parseKubeProxyConfigz(t, { source: 'kube-proxy-configz' }).value;
    const mode = modeValue(cfg.modeRaw);
    return { via: 'configz', mode, evidence: `its loaded configuration (:10249/configz): ${shown(mode)}` };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    problems.push(`its /configz answer is unreadable: ${e.message}`);
    return undefined;
  }
}

function fromProxyMode(capture: NodeCapture | undefined): RunningKubeProxy['config'] {
  const value = dumpTextOf(capture, 'proxyMode')?.trim() ?? '';
  if (value === '') return undefined;
  return { via: 'proxyMode', mode: modeValue(value), evidence: `its mode (:10249/proxyMode): ${value}` };
}

const shown = (m: ModeValue): string => (m.written === '' ? 'mode empty or not set' : `mode: ${m.written}`);

/** Nodes running a kube-proxy that no pod in the API accounts for, with what they run. */
export function hostProcesses(s: Snapshot, nodesWithPod: ReadonlySet<string>): RunningKubeProxy[] {
  return Object.keys(s.nodes)
    .sort()
    .filter((n) => !nodesWithPod.has(n))
    .map((n) => runningKubeProxy(n, s.nodes[n]))
    .filter((r): r is RunningKubeProxy => r !== undefined && r.config !== undefined);
}

const VIA_LABEL = { process: 'kube-proxy process', configz: 'kube-proxy', proxyMode: 'kube-proxy' } as const;

/** One `running` source per (how it was read, what it says), naming its nodes: a big cluster stays one line. */
export function runningSources(running: RunningKubeProxy[]): ConfigSource[] {
  const groups = new Map<string, { nodes: string[]; cfg: NonNullable<RunningKubeProxy['config']> }>();
  for (const r of running) {
    if (!r.config) continue;
    const key = `${r.config.via}\0${r.config.evidence}`;
    const g = groups.get(key) ?? { nodes: [], cfg: r.config };
    g.nodes.push(r.node);
    groups.set(key, g);
  }
  const order = { process: 0, configz: 1, proxyMode: 2 } as const;
  return [...groups.values()]
    .sort((a, b) => order[a.cfg.via] - order[b.cfg.via])
    .map(({ nodes, cfg }) => ({
      kind: 'running' as const,
      via: cfg.via,
      nodes,
      object: `${VIA_LABEL[cfg.via]} on ${nodeList(nodes)} (host process)`,
      mode: cfg.mode,
      ...(cfg.configFile ? { configFile: cfg.configFile } : {}),
      evidence: cfg.evidence,
    }));
}

export const nodeList = (nodes: string[]): string => (nodes.length <= 4 ? nodes.join(', ') : `${nodes.slice(0, 3).join(', ')} and ${nodes.length - 3} more nodes`);
