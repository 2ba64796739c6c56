/** The netfilter part of a node model: every iptables/nft dump of the node merged into one ruleset. */
import type { DumpKey } from '../snapshot/types.js';
import type { Ruleset } from './netfilter.js';
import type { ParseWarning } from '../parse/error.js';
import { detectIptablesOrigin, type IptablesOrigin } from '../parse/iptables-origin.js';
import { parseIptablesSave } from '../parse/netfilter/iptables-save.js';
import { parseNftJson } from '../parse/netfilter/nft-json.js';
import { mergeRulesets } from '../parse/netfilter/merge.js';
import { parseIpsetSave } from '../parse/netfilter/ipset.js';

/** Runs one parser over one dump; the caller turns a ParseError into a warning. */
export type DumpRunner = <T>(key: DumpKey, parse: (text: string, source: string) => T) => T | undefined;

/**
 * `iptables` is the dump of the backend kube-proxy uses; its origin is read from the dump (iptables-origin.ts). When the
 * backend-specific dump (`iptables-nft` / `iptables-legacy`) is also present it holds the same tables, so the generic one
 * is skipped rather than counted twice. Native nft tables come from `nft`; merge.ts drops nft's copy of iptables-nft tables.
 */
export function buildRuleset(run: DumpRunner, present: (key: DumpKey) => boolean, warnings: ParseWarning[]): { ruleset: Ruleset; origins: Record<string, IptablesOrigin> } {
  const parts: Ruleset[] = [];
  const origins: Record<string, IptablesOrigin> = {};
  const save = (key: DumpKey, family: 'ip' | 'ip6', fixed?: IptablesOrigin['origin']) => {
    const r = run(key, (text, source) => {
      const o: IptablesOrigin = fixed ? { origin: fixed, evidence: `dump key ${key}`, certain: true } : detectIptablesOrigin(text);
      origins[key] = o;
      // An empty dump (no tables) has no backend worth deciding.
      const hasTables = /^\*\w/m.test(text) || /^-[APN] /m.test(text);
      if (!o.certain && hasTables) warnings.push({ code: 'iptables-origin-assumed', message: o.evidence, source: key });
      const specific = o.origin === 'iptables-nft' ? (family === 'ip' ? 'iptables-nft' : 'ip6tables-nft') : family === 'ip' ? 'iptables-legacy' : 'ip6tables-legacy';
      if (!fixed && present(specific)) return { tables: [], warnings: [{ code: 'same-as-specific-dump', message: `the ${specific} dump holds the same tables; read from there`, source: key }] };
      // On use: a trace reads a few chains of a ruleset that may hold 60,000 (docs/parsers.md).
      return parseIptablesSave(text, { source, family, origin: o.origin, rules: 'on-use' });
    });
    if (r) parts.push(r);
  };
  save('iptables-nft', 'ip', 'iptables-nft');
  save('iptables-legacy', 'ip', 'iptables-legacy');
  save('iptables', 'ip');
  save('ip6tables-nft', 'ip6', 'iptables-nft');
  save('ip6tables-legacy', 'ip6', 'iptables-legacy');
  save('ip6tables', 'ip6');
  const nft = run('nft', (text, source) => parseNftJson(text, { source, rules: 'on-use' }));
  if (nft) parts.push(nft);
  const merged = mergeRulesets(parts);
  const ipsets = run('ipset', (text, source) => parseIpsetSave(text, { source }));
  if (ipsets) merged.ipsets = [...(merged.ipsets ?? []), ...ipsets];
  return { ruleset: merged, origins };
}
