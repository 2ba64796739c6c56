/**
 * Merges the netfilter dumps of one node into the ruleset the kernel evaluates, each rule once:
 * iptables-nft tables come from iptables-save (the nft JSON hides xt options), native nft tables from the
 * nft dump, legacy tables from iptables-legacy-save (they run too, at the same hooks).
 */
import type { IpSet, Ruleset, Table } from '../../model/netfilter.js';
import type { ParseWarning } from '../error.js';

const key = (t: Table): string => `${t.family} ${t.name}`;

/** Combines parsed dumps; never throws. Warnings say what was skipped and why. */
export function mergeRulesets(parts: Ruleset[]): Ruleset {
  const warnings: ParseWarning[] = parts.flatMap((p) => p.warnings);
  const all = parts.flatMap((p) => p.tables);
  const fromSave = new Set(all.filter((t) => t.dump !== 'nft-json' && t.origin === 'iptables-nft').map(key));
  const seen = new Set<string>();
  const tables: Table[] = [];
  for (const t of all) {
    if (t.dump === 'nft-json' && t.origin === 'iptables-nft') {
      if (fromSave.has(key(t))) continue; // the same rules, read from iptables-save with their options
      warnings.push({
        code: 'iptables-nft-without-save',
        message: `table ${key(t)} was written by iptables-nft but no iptables-save dump covers it: its xt matches and targets cannot be evaluated; collect iptables-save (and ip6tables-save)`,
      });
    }
    const id = `${t.origin} ${key(t)}`;
    if (seen.has(id)) {
      warnings.push({ code: 'duplicate-table', message: `table ${key(t)} (${t.origin}) appears in two dumps; the first is used` });
      continue;
    }
    seen.add(id);
    tables.push(t);
  }
  if (tables.some((t) => t.origin === 'iptables-legacy') && tables.some((t) => t.origin === 'iptables-nft'))
    warnings.push({
      code: 'mixed-iptables-backends',
      message:
        'both iptables-legacy and iptables-nft tables are present: the kernel evaluates both at the same hooks; a component may be writing to the backend nobody reads (check which backend kube-proxy and the CNI use)',
    });
  const out: Ruleset = { tables, warnings };
  const ipsets = mergeIpsets(parts, warnings);
  if (ipsets) out.ipsets = ipsets;
  return out;
}

function mergeIpsets(parts: Ruleset[], warnings: ParseWarning[]): IpSet[] | undefined {
  if (!parts.some((p) => p.ipsets)) return undefined;
  const byName = new Map<string, IpSet>();
  for (const s of parts.flatMap((p) => p.ipsets ?? [])) {
    if (byName.has(s.name)) warnings.push({ code: 'duplicate-ipset', message: `ipset ${s.name} appears twice; the first is used` });
    else byName.set(s.name, s);
  }
  return [...byName.values()];
}
