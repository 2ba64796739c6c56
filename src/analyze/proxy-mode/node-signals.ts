/**
 * What a node's dumps show about kube-proxy: KUBE-SERVICES in each iptables backend, the nft
 * `kube-proxy` tables, kube-ipvs0 and IPVS virtual servers, and kube-proxy's own /proxyMode answer.
 * The dumps are read by the node-model builder (parse/node), which decides each save's backend and
 * records what it could not read; this file only looks at what it found.
 */
import type { DumpFailure } from '../../model/gaps.js';
import { ruleCount, type Family, type LostPart, type NetfilterDump, type Table } from '../../model/netfilter.js';
import type { NodeModel } from '../../model/node.js';
import { buildNodeModel } from '../../parse/node/build-node.js';
import { ParseError } from '../../util/parse-error.js';
import type { NodeCapture } from '../../snapshot/types.js';
import type { IptablesBackend, NodeSignal } from './types.js';
import { RUNNING_DUMPS } from './running.js';

/** iptables-save dumps, in the order they are reported; `ip6tables` matters on IPv6-only clusters. */
const IPTABLES_DUMPS = ['iptables-nft', 'iptables-legacy', 'iptables', 'ip6tables'] as const;
/** Dump keys proxy-mode reads. */
export const PROXY_MODE_DUMPS = [...IPTABLES_DUMPS, 'nft', 'link', 'ipvs', 'proxyMode', ...RUNNING_DUMPS] as const;

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-/;
/** Dumps the probe takes on every node (catalogue.ts). */
const ALWAYS_PROBED = ['iptables', 'nft', 'link'];
/** kubelet's chains that iptables-wrappers looks for in mangle to pick the backend. */
const KUBELET_CANARIES = ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY'];

interface IptablesView {
  dump: string;
  backend: IptablesBackend;
  tables: Table[];
}

type Unreadable = { dump: string; reason: string; cause: string };

export interface NodeDumps {
  signals: NodeSignal[];
  iptables: IptablesView[];
  /** Keys that held a readable dump. */
  read: string[];
  unreadable: Unreadable[];
  /**
   * iptables backends whose IPv4 nat table was read (or shown empty): iptables mode is only ruled out when both are.
   * nf_tables: an nf_tables save, or the nft dump's kernel listing without an iptables-nft `ip nat` table; legacy: a
   * legacy save, or an nf_tables save without iptables-nft's "iptables-legacy tables present" warning.
   */
  backendsSeen: IptablesBackend[];
}

/** What a node's dumps show kube-proxy doing; unreadable dumps are listed, never fatal. */
export function readNodeDumps(name: string, capture: NodeCapture | undefined): NodeDumps {
  const out: NodeDumps = { signals: [], iptables: [], read: [], unreadable: [], backendsSeen: [] };
  if (!capture || Object.keys(capture.dumps).length === 0) return out;
  const m = buildNodeModel(name, capture);
  const seen = (b: IptablesBackend): void => {
    if (!out.backendsSeen.includes(b)) out.backendsSeen.push(b);
  };
  /** True when the dump was read; a dump that ran and could not be read is listed. */
  const readable = (key: string, wasRead: boolean): boolean => {
    const f = m.failures?.[key];
    if (!wasRead && f && f.cause !== 'not-collected') out.unreadable.push(unreadableOf(key, f));
    if (wasRead) out.read.push(key);
    return wasRead;
  };
  const nfDump = (key: string): NetfilterDump | undefined => m.netfilterDumps?.find((d) => d.dump === key);
  for (const key of [...IPTABLES_DUMPS, 'ip6tables-nft', 'ip6tables-legacy']) {
    const d = nfDump(key);
    if (!d?.save) {
      readable(key, false);
      continue;
    }
    // The generic save of a backend whose own dump was taken holds the same rules: read once, from there.
    if (d.save.sameAs) {
      readable(key, true);
      continue;
    }
    const { family, origin, certain, legacyTablesPresent } = d.save;
    const backend: IptablesBackend = !certain ? 'unknown' : origin === 'iptables-nft' ? 'nf_tables' : 'legacy';
    out.iptables.push({ dump: key, backend, tables: d.tables });
    const sig = kubeServicesSignal(key, backend, family, d.tables);
    if (sig) out.signals.push(sig);
    // A bad line costs its table: a broken filter table does not hide KUBE-SERVICES in nat, a broken nat table does.
    const natLost = d.lost?.find((l) => l.table === undefined || l.table === 'nat' || l.unseen?.includes('nat'));
    if (natLost) {
      const e = new ParseError(key, `nat table not fully read (${natLost.reason})`, natLost.line);
      out.unreadable.push({ dump: key, reason: e.message, cause: e.message });
      continue;
    }
    out.unreadable.push(...lostTables(key, d.lost));
    readable(key, true);
    if (family === 'ip' && backend !== 'unknown') seen(backend);
    if (family === 'ip' && backend === 'nf_tables' && !legacyTablesPresent) seen('legacy');
  }
  nftSignals(nfDump('nft'), out, readable, seen);
  if (readable('link', m.have.link === true) && m.links.some((l) => l.name === 'kube-ipvs0')) out.signals.push({ kind: 'ipvs-link', dump: 'link' });
  if (readable('ipvs', m.have.ipvs === true) && m.ipvs.length > 0) out.signals.push({ kind: 'ipvs-services', dump: 'ipvs', services: m.ipvs.length });
  if (readable('proxyMode', m.have.proxyMode === true) && m.kubeProxyMode) out.signals.push({ kind: 'proxy-mode-endpoint', value: m.kubeProxyMode, dump: 'proxyMode' });
  // A probed node without a dump the probe always takes: missing is not "no rules".
  const iptablesSeen = out.backendsSeen.includes('nf_tables') && out.backendsSeen.includes('legacy');
  for (const key of ALWAYS_PROBED) {
    if (m.failures?.[key]?.cause !== 'not-collected' || (key === 'iptables' && iptablesSeen)) continue;
    out.unreadable.push({ dump: key, reason: `${key} is not in the snapshot`, cause: 'not collected' });
  }
  return out;
}

/** A dump that could not be read, in proxy-mode's words: the command and why, and why alone. */
function unreadableOf(dump: string, f: DumpFailure): Unreadable {
  switch (f.cause) {
    case 'failed':
      return { dump, reason: `${f.command ?? dump} failed: ${f.why}`, cause: f.why };
    case 'undecodable':
      return { dump, reason: `cannot decompress ${dump}: ${f.why}`, cause: `cannot decompress: ${f.why}` };
    default:
      return { dump, reason: f.reason, cause: f.why };
  }
}

/** Tables of a save that were lost while the rest of it was read. */
function lostTables(dump: string, lost: readonly LostPart[] | undefined): Unreadable[] {
  return (lost ?? []).map((l) => ({ dump, reason: `${dump}: table ${l.table ?? '?'} not read (${l.reason})`, cause: `table ${l.table ?? '?'} not read: ${l.reason}` }));
}

function kubeServicesSignal(dump: string, backend: IptablesBackend, family: 'ip' | 'ip6', tables: readonly Table[]): NodeSignal | undefined {
  const nat = tables.find((t) => t.name === 'nat');
  const chain = nat?.chains.find((c) => c.name === 'KUBE-SERVICES');
  if (!nat || !chain) return undefined;
  // Rules the dump did not show (stand-ins for lost lines) are not kube-proxy's.
  const rules = chain.rules.filter((r) => !r.exprs.some((e) => e.kind === 'unread'));
  let serviceRules = 0;
  let ipvsSetRules = 0;
  for (const r of rules) {
    if (r.exprs.some((e) => e.kind === 'verdict' && SERVICE_CHAIN.test(e.target ?? ''))) serviceRules++;
    if (r.exprs.some((e) => e.kind === 'ipset' && e.name.startsWith('KUBE-'))) ipvsSetRules++;
  }
  const serviceChains = nat.chains.filter((c) => /^KUBE-(SVC|SVL)-/.test(c.name)).length;
  return { kind: 'iptables-services', dump, backend, family, rules: rules.length, serviceRules, ipvsSetRules, serviceChains };
}

/**
 * `table ip kube-proxy` / `table ip6 kube-proxy`: kube-proxy's nftables mode. An item that did not read costs the
 * whole dump when it may belong to kube-proxy's tables, else only its own table.
 */
function nftSignals(d: NetfilterDump | undefined, out: NodeDumps, readable: (key: string, wasRead: boolean) => boolean, seen: (b: IptablesBackend) => void): void {
  const kubeLost = d?.lost?.find((l) => l.table === undefined || l.table === 'kube-proxy');
  if (d && kubeLost) {
    const e = new ParseError('nft', kubeLost.reason);
    out.unreadable.push({ dump: 'nft', reason: e.message, cause: e.message });
    return;
  }
  if (!readable('nft', d !== undefined) || !d) return;
  out.unreadable.push(...(d.lost ?? []).map((l) => ({ dump: 'nft', reason: `nft: table ${l.family ?? '?'} ${l.table ?? '?'} not read (${l.reason})`, cause: `table ${l.family ?? '?'} ${l.table ?? '?'} not read: ${l.reason}` })));
  out.signals.push(
    ...d.tables
      .filter((t) => t.name === 'kube-proxy' && (['ip', 'ip6'] as Family[]).includes(t.family))
      .map((t) => ({
        kind: 'nft-table' as const,
        dump: 'nft',
        family: t.family,
        chains: t.chains.length,
        rules: t.chains.reduce((n, c) => n + ruleCount(c), 0),
        serviceChains: t.chains.filter((c) => c.name.startsWith('service-')).length,
        serviceElements: t.sets.find((s) => s.name === 'service-ips')?.elements.length ?? 0,
      })),
  );
  // The kernel's own table list: no iptables-nft `ip nat` there means no nf_tables KUBE-SERVICES to look for.
  if (!d.tables.some((t) => t.family === 'ip' && t.name === 'nat' && t.origin === 'iptables-nft')) seen('nf_tables');
}

/** Whether a save holds one of kubelet's canary chains (iptables-wrappers' backend test). */
export function hasKubeletCanary(tables: readonly Table[]): string | undefined {
  const mangle = tables.find((t) => t.name === 'mangle');
  return mangle?.chains.find((c) => KUBELET_CANARIES.includes(c.name))?.name;
}
