/**
 * What a node's dumps show about kube-proxy: KUBE-SERVICES in each iptables backend, the nft
 * `kube-proxy` tables, kube-ipvs0 and IPVS virtual servers, and kube-proxy's own /proxyMode answer.
 */
import type { Family, Ruleset, Table } from '../../model/netfilter.js';
import { ParseError } from '../../util/parse-error.js';
import type { NodeCapture } from '../../snapshot/types.js';
import { dumpText } from './dumps.js';
import { detectIptablesOrigin, parseIpLink, parseIptablesSave, parseIpvs, parseNftJson, ruleCount } from './parsers.js';
import type { IptablesBackend, NodeSignal } from './types.js';
import { RUNNING_DUMPS } from './running.js';

/** Dump keys proxy-mode reads. */
export const PROXY_MODE_DUMPS = ['iptables', 'iptables-nft', 'iptables-legacy', 'ip6tables', 'nft', 'link', 'ipvs', 'proxyMode', ...RUNNING_DUMPS] as const;
/** iptables-save dumps and their family; `ip6tables` matters on IPv6-only clusters. */
const IPTABLES_DUMPS = [['iptables-nft', 'ip'], ['iptables-legacy', 'ip'], ['iptables', 'ip'], ['ip6tables', 'ip6']] as const;

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-/;
const LEGACY_WARNING = /^# Warning: iptables-legacy tables present/m;
/** Dumps the probe takes on every node (catalogue.ts). */
const ALWAYS_PROBED = ['iptables', 'nft', 'link'];
/** kubelet's chains that iptables-wrappers looks for in mangle to pick the backend. */
const KUBELET_CANARIES = ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY'];

interface IptablesView {
  dump: string;
  backend: IptablesBackend;
  ruleset: Ruleset;
}

export interface NodeDumps {
  signals: NodeSignal[];
  iptables: IptablesView[];
  /** Keys that held a readable dump. */
  read: string[];
  unreadable: { dump: string; reason: string; cause: string }[];
  /**
   * iptables backends whose IPv4 nat table was read (or shown empty): iptables mode is only ruled out when both are.
   * nf_tables: an nf_tables save, or the nft dump's kernel listing without an iptables-nft `ip nat` table; legacy: a
   * legacy save, or an nf_tables save without iptables-nft's "iptables-legacy tables present" warning.
   */
  backendsSeen: IptablesBackend[];
}

/** Reads every proxy-mode dump of a node; unreadable ones are listed, never fatal. */
export function readNodeDumps(capture: NodeCapture | undefined): NodeDumps {
  const out: NodeDumps = { signals: [], iptables: [], read: [], unreadable: [], backendsSeen: [] };
  const seen = (b: IptablesBackend): void => {
    if (!out.backendsSeen.includes(b)) out.backendsSeen.push(b);
  };
  const each = (key: string, f: (text: string, argv: string[]) => void): void => {
    const t = dumpText(capture, key);
    if (t.kind === 'failed') out.unreadable.push({ dump: key, reason: t.reason, cause: t.cause });
    if (t.kind !== 'text') return;
    try {
      f(t.text, t.dump.argv);
      out.read.push(key);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      out.unreadable.push({ dump: key, reason: e.message, cause: e.message });
    }
  };
  for (const [key, family] of IPTABLES_DUMPS) {
    each(key, (text, argv) => {
      const backend = iptablesBackendOf(key, argv, text);
      // `iptables` is the same rules as the backend-specific dump of the same backend: read once.
      if (key === 'iptables' && out.iptables.some((v) => v.backend === backend && backend !== 'unknown')) return;
      const origin = backend === 'legacy' ? 'iptables-legacy' : 'iptables-nft';
      // A bad line costs its table: a broken filter table does not hide KUBE-SERVICES in nat.
      const ruleset = parseIptablesSave(text, { source: key, family, origin, rules: 'on-use', recover: true });
      out.iptables.push({ dump: key, backend, ruleset });
      const sig = kubeServicesSignal(key, backend, family, ruleset);
      if (sig) out.signals.push(sig);
      const natLost = ruleset.lost?.find((l) => l.table === undefined || l.table === 'nat' || l.unseen?.includes('nat'));
      if (natLost) throw new ParseError(key, `nat table not fully read (${natLost.reason})`, natLost.line);
      for (const l of ruleset.lost ?? []) out.unreadable.push({ dump: key, reason: `${key}: table ${l.table ?? '?'} not read (${l.reason})`, cause: `table ${l.table ?? '?'} not read: ${l.reason}` });
      if (family === 'ip' && backend !== 'unknown') seen(backend);
      if (family === 'ip' && backend === 'nf_tables' && !LEGACY_WARNING.test(text.slice(0, 4096))) seen('legacy');
    });
  }
  each('nft', (text) => {
    const rs = parseNftJson(text, { source: 'nft', rules: 'on-use' });
    out.signals.push(...nftSignals(rs));
    // The kernel's own table list: no iptables-nft `ip nat` there means no nf_tables KUBE-SERVICES to look for.
    if (!rs.tables.some((t) => t.family === 'ip' && t.name === 'nat' && t.origin === 'iptables-nft')) seen('nf_tables');
  });
  each('link', (text) => {
    const link = parseIpLink(text, { source: 'link' }).value.find((l) => l.name === 'kube-ipvs0');
    if (link) out.signals.push({ kind: 'ipvs-link', dump: 'link' });
  });
  each('ipvs', (text) => {
    const services = parseIpvs(text, { source: 'ipvs' }).value.length;
    if (services > 0) out.signals.push({ kind: 'ipvs-services', dump: 'ipvs', services });
  });
  each('proxyMode', (text) => {
    if (text.trim()) out.signals.push({ kind: 'proxy-mode-endpoint', value: text.trim(), dump: 'proxyMode' });
  });
  // A probed node without a dump the probe always takes: missing is not "no rules".
  if (capture && Object.keys(capture.dumps).length > 0) {
    const iptablesSeen = out.backendsSeen.includes('nf_tables') && out.backendsSeen.includes('legacy');
    for (const key of ALWAYS_PROBED) {
      if (capture.dumps[key] || (key === 'iptables' && iptablesSeen)) continue;
      out.unreadable.push({ dump: key, reason: `${key} is not in the snapshot`, cause: 'not collected' });
    }
  }
  return out;
}

/**
 * The backend of an iptables dump: the dump key when it names one, else the command that made
 * it, else the save header as the shared detectIptablesOrigin reads it (never the program name,
 * which follows argv[0]); no header → unknown.
 */
function iptablesBackendOf(key: string, argv: string[], text: string): IptablesBackend {
  if (key === 'iptables-nft') return 'nf_tables';
  if (key === 'iptables-legacy') return 'legacy';
  const cmd = argv[0] ?? '';
  if (/nft/.test(cmd)) return 'nf_tables';
  if (/legacy/.test(cmd)) return 'legacy';
  const o = detectIptablesOrigin(text);
  if (!o.certain) return 'unknown';
  return o.origin === 'iptables-nft' ? 'nf_tables' : 'legacy';
}

function kubeServicesSignal(dump: string, backend: IptablesBackend, family: 'ip' | 'ip6', rs: Ruleset): NodeSignal | undefined {
  const nat = rs.tables.find((t) => t.name === 'nat');
  const chain = nat?.chains.find((c) => c.name === 'KUBE-SERVICES');
  if (!nat || !chain) return undefined;
  let serviceRules = 0;
  let ipvsSetRules = 0;
  for (const r of chain.rules) {
    if (r.exprs.some((e) => e.kind === 'verdict' && SERVICE_CHAIN.test(e.target ?? ''))) serviceRules++;
    if (r.exprs.some((e) => e.kind === 'ipset' && e.name.startsWith('KUBE-'))) ipvsSetRules++;
  }
  const serviceChains = nat.chains.filter((c) => /^KUBE-(SVC|SVL)-/.test(c.name)).length;
  return { kind: 'iptables-services', dump, backend, family, rules: chain.rules.length, serviceRules, ipvsSetRules, serviceChains };
}

/** `table ip kube-proxy` / `table ip6 kube-proxy`: kube-proxy's nftables mode. */
function nftSignals(rs: Ruleset): NodeSignal[] {
  return rs.tables
    .filter((t) => t.name === 'kube-proxy' && (['ip', 'ip6'] as Family[]).includes(t.family))
    .map((t: Table) => ({
      kind: 'nft-table' as const,
      dump: 'nft',
      family: t.family,
      chains: t.chains.length,
      rules: t.chains.reduce((n, c) => n + ruleCount(c), 0),
      serviceChains: t.chains.filter((c) => c.name.startsWith('service-')).length,
      serviceElements: t.sets.find((s) => s.name === 'service-ips')?.elements.length ?? 0,
    }));
}

/** Whether a table holds one of kubelet's canary chains (iptables-wrappers' backend test). */
export function hasKubeletCanary(rs: Ruleset): string | undefined {
  const mangle = rs.tables.find((t) => t.name === 'mangle');
  return mangle?.chains.find((c) => KUBELET_CANARIES.includes(c.name))?.name;
}
