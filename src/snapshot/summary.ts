/** One line saying what a snapshot holds, for `collect`'s note on stderr. Pure. */
import type { Snapshot } from './types.js';

export function summarizeSnapshot(s: Snapshot): string {
  const counts = Object.entries(s.cluster.objects)
    .filter(([, items]) => items !== undefined)
    .map(([resource, items]) => `${items!.length} ${resource}${s.cluster.views?.[resource] ? ` (${s.cluster.views[resource]})` : ''}`);
  const dumps = Object.keys(s.nodes).length;
  const parts = [counts.join(', ') || 'no API objects', `${dumps} node dump${dumps === 1 ? '' : 's'}`];
  const gaps = s.source.gaps ?? [];
  const gapText = gaps.length ? `; not collected: ${gaps.map((g) => `${g.what} (${g.reason})`).join('; ')}` : '';
  return `${parts.join('; ')}${gapText}`;
}
