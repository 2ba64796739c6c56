/**
 * Merges the netfilter dumps of one node into the ruleset the kernel evaluates, each rule once:
 * iptables-nft tables come from iptables-save (the nft JSON hides xt options), native nft tables from the
 * nft dump, legacy tables from iptables-legacy-save (they run too, at the same hooks).
 */
import type { IpSet, Ruleset, Table } from '../../model/netfilter.js';
import type { ParseWarning } from '../../util/parse-error.js';

const key = (t: Table): string => `${t.family} ${t.name}`;

/** Combines parsed dumps; never throws. Warnings say what was skipped and why. */
export function mergeRulesets(parts: Ruleset[]): Ruleset {
  const warnings: ParseWarning[] = parts.flatMap((p) => p.warnings);
  const all = parts.flatMap((p) => p.tables);
  const fromSave = new Set(all.filter((t) => t.dump !== 'nft-json' && t.origin === 'iptables-nft').map(key));
  const seen = new Set<string>();
  const tables: Table[] = [];
  // The kernel's copy of a table iptables-nft wrote; an iptables table without rules shows no xt
  // expressions, so the nft parser may not recognise it as iptables-nft's: match by family and name.
  const kernelCopy = new Map(all.filter((t) => t.dump === 'nft-json').map((t) => [key(t), t]));
  for (const saved of all) {
    const copy = saved.dump !== 'nft-json' && saved.origin === 'iptables-nft' ? kernelCopy.get(key(saved)) : undefined;
    const t = copy ? withKernelHandle(unhookAbsentBuiltins(saved, copy), copy) : saved;
    // nf_tables names a table by family and name: the nft dump's table of that name IS the one iptables-save read.
    if (t.dump === 'nft-json' && fromSave.has(key(t))) continue;
    if (t.dump === 'nft-json' && t.origin === 'iptables-nft') {
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

/**
 * iptables-nft-save prints every builtin chain of a table (`:PREROUTING ACCEPT`) even when the kernel has
 * none: iptables-nft creates a base chain only when a rule needs it. A chain missing from the kernel's own
 * (nft) copy of the table is not hooked, so it is unhooked here. Such a chain is empty with policy accept:
 * verdicts stay the same, only the rule path (what `nft monitor trace` shows) does.
 */
function unhookAbsentBuiltins(saved: Table, kernel: Table): Table {
  const present = new Set(kernel.chains.map((c) => c.name));
  if (saved.chains.every((c) => !c.base || present.has(c.name) || c.rules.length > 0 || c.base.policy !== 'accept')) return saved;
  const chains = saved.chains.map((c) => {
    if (!c.base || present.has(c.name) || c.rules.length > 0 || c.base.policy !== 'accept') return c;
    const { base: _unhooked, ...rest } = c;
    return rest;
  });
  return { ...saved, chains };
}

/** The kernel's copy knows the table's handle (its creation order); iptables-save does not print it. */
function withKernelHandle(saved: Table, kernel: Table): Table {
  return kernel.handle === undefined ? saved : { ...saved, handle: kernel.handle };
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
