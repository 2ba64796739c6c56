/**
 * The `nft` dump without the cost of `nft -j list ruleset` on big iptables-nft nodes (41 s and 1.5 GB
 * for 10k services, docs/probe.md): iptables-nft tables are read with iptables-save, so here they keep only
 * their table and chain declarations (which base chains the kernel really has); native tables
 * (kube-proxy nftables mode, CNI tables) are listed in full, one `nft -j list table` each.
 */
// Covered tables keep only their base chains: those are iptables' builtin names (so the parser still
// tells the table is iptables-nft's and the merge drops it for the save), and they are what
// the merge (parse/netfilter/merge.ts) needs to know which builtin chains the kernel really hooks.
import { XTABLES_NAMES } from './catalogue.js';

export interface NftTableRef {
  family: string;
  name: string;
}

type NftItem = Record<string, unknown>;

/** The `nftables` array of an `nft -j` answer; throws on anything else (the caller records why). */
export function nftItems(text: string): NftItem[] {
  const doc = JSON.parse(text) as { nftables?: unknown };
  if (!Array.isArray(doc.nftables)) throw new Error('not an nft JSON document (no "nftables" array)');
  return doc.nftables as NftItem[];
}

/** Tables of an `nft -j list tables` answer, in kernel order. */
export function listedTables(items: NftItem[]): NftTableRef[] {
  return items.flatMap((o) => {
    const t = o.table as { family?: unknown; name?: unknown } | undefined;
    return t && typeof t.family === 'string' && typeof t.name === 'string' ? [{ family: t.family, name: t.name }] : [];
  });
}

/**
 * Tables iptables-save already covers: ip/ip6 tables with an xtables name that the save of that
 * family shows (`*nat`). A save that failed covers nothing, so those tables are listed natively.
 */
export function coveredBySave(t: NftTableRef, saves: { ip?: string; ip6?: string }): boolean {
  if (!XTABLES_NAMES.includes(t.name)) return false;
  const save = t.family === 'ip' ? saves.ip : t.family === 'ip6' ? saves.ip6 : undefined;
  return save !== undefined && new RegExp(`^\\*${t.name}$`, 'm').test(save);
}

/**
 * One `nft -j` document: metainfo, then per table either its full native listing or (covered
 * tables) the table and its base-chain declarations (none: the table object alone says it hooks nothing).
 */
export function assembleNftDocument(tablesItems: NftItem[], chainItems: NftItem[], covered: NftTableRef[], native: Map<string, NftItem[]>): string {
  const key = (t: NftTableRef): string => `${t.family} ${t.name}`;
  const coveredKeys = new Set(covered.map(key));
  const out: NftItem[] = tablesItems.filter((o) => 'metainfo' in o);
  for (const t of listedTables(tablesItems)) {
    const k = key(t);
    if (coveredKeys.has(k)) {
      const base = chainItems.filter((o) => inTable(o, 'chain', t) && typeof (o.chain as { hook?: unknown }).hook === 'string');
      out.push(...tablesItems.filter((o) => isTable(o, t)), ...base);
    } else {
      out.push(...(native.get(k) ?? []).filter((o) => !('metainfo' in o)));
    }
  }
  return JSON.stringify({ nftables: out });
}

const isTable = (o: NftItem, t: NftTableRef): boolean => inTable(o, 'table', t, 'name');

function inTable(o: NftItem, kind: string, t: NftTableRef, field = 'table'): boolean {
  const v = o[kind] as Record<string, unknown> | undefined;
  return v !== undefined && v.family === t.family && v[field] === t.name;
}
