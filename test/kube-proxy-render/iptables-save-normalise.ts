/**
 * Test helper: an iptables-restore text as { table: { chains, rules per chain } }, so two renderings
 * can be compared regardless of how rules of different chains interleave (which iptables ignores).
 */
export interface NormalisedTable {
  chains: string[];
  rules: Record<string, string[]>;
}

/** Groups `-A CHAIN …` lines per table and chain, keeping each chain's rule order; chain lists sorted. */
export function normaliseRestore(text: string): Record<string, NormalisedTable> {
  const tables: Record<string, NormalisedTable> = {};
  let current: NormalisedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      current = tables[line.slice(1)] ??= { chains: [], rules: {} };
    } else if (!current) {
      throw new Error(`line outside a table: ${line}`);
    } else if (line.startsWith(':')) {
      current.chains.push(line.slice(1).split(' ')[0] ?? '');
      current.chains.sort();
    } else {
      const chain = line.split(' ')[1] ?? '';
      (current.rules[chain] ??= []).push(line);
    }
  }
  return tables;
}
