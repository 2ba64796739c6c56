/**
 * The endpoints table of `trace` text: one row per path with its odds, result, endpoint, node and how it travels.
 * A path that stands for many endpoints (a big service: see groupPaths) lists its likeliest few with their odds and
 * sums up the rest ("… and 97 more, each 0.02%"), so every endpoint's odds are named in a few lines per node.
 */
import { isFailure, type Branch, type EndpointShare, type Trace } from '../sim/trace.js';
import { hostPort } from '../sim/packet.js';
import { renderTable, type TableOptions } from './table.js';
import { paint } from './style.js';
import { pathSummary, pct } from './trace-story.js';

/** Endpoints named per path before the rest are summed up. */
const SHOWN_PER_PATH = 3;
/** Paths listed before the rest are summed up. */
const SHOWN_PATHS = 30;

export function endpointsTable(t: Trace, opts: Pick<TableOptions, 'wide' | 'width'> = {}): string {
  const rows = t.branches.slice(0, SHOWN_PATHS);
  const table = renderTable(
    rows,
    [
      { header: 'odds', value: (b) => pct(b.probability), align: 'right' },
      { header: 'result', value: (b) => (isFailure(b.disposition) ? paint.error(b.disposition) : paint.ok(b.disposition)) },
      { header: 'endpoint', value: endpointCell },
      { header: 'node', value: (b) => b.endpoint?.node ?? b.hops[b.hops.length - 1]?.node ?? '' },
      { header: 'nodes', value: (b) => [...new Set(b.hops.map((h) => h.node))].join(' → '), wide: true },
      { header: 'arrives as', value: (b) => (b.final ? `${b.final.proto} ${hostPort(b.final.saddr, b.final.sport)} → ${hostPort(b.final.daddr, b.final.dport)}` : ''), wide: true },
      { header: 'path', value: (b) => (b.disposition === 'delivered' ? pathSummary(b) : b.reason), flex: true },
    ],
    opts,
  ).trimEnd();
  const lines = [...summaryLine(t), table];
  const rest = t.branches.slice(SHOWN_PATHS);
  if (rest.length > 0) {
    const eps = rest.reduce((n, b) => n + (b.endpoints?.length ?? 1), 0);
    lines.push(`  … and ${count(rest.length)} more paths to ${count(eps)} endpoints (${pct(rest.reduce((s, b) => s + b.probability, 0))} in all, ${spread(rest.flatMap(shares))})`);
  }
  return lines.join('\n');
}

/** For a big service: how many endpoints on how many nodes, and their odds. */
function summaryLine(t: Trace): string[] {
  if (!t.branches.some((b) => (b.endpoints?.length ?? 0) > 1)) return [];
  const all = t.branches.flatMap(shares);
  const nodes = new Set(all.map((e) => e.node).filter((n) => n !== undefined));
  return [`  ${count(all.length)} endpoints${nodes.size > 0 ? ` on ${count(nodes.size)} node${nodes.size === 1 ? '' : 's'}` : ''}, ${spread(all)}`];
}

const shares = (b: Branch): EndpointShare[] => b.endpoints ?? (b.endpoint ? [{ ...b.endpoint, probability: b.probability }] : []);

function endpointCell(b: Branch): string {
  const eps = b.endpoints ?? [];
  if (eps.length <= 1) return b.endpoint ? endpointName(b.endpoint) : b.final ? hostPort(b.final.daddr, b.final.dport) : '';
  const shown = eps.slice(0, SHOWN_PER_PATH).map((e) => `${endpointName(e)}  ${pct(e.probability)}`);
  const rest = eps.slice(SHOWN_PER_PATH);
  const more = rest.length > 0 ? [paint.dim(`… and ${count(rest.length)} more, ${spread(rest)}`)] : [];
  return [`${count(eps.length)} ${b.endpoint ? 'endpoints' : 'destinations'}:`, ...shown, ...more].join('\n');
}

function endpointName(e: { ip: string; port?: number; pod?: string; owner?: string; node?: string }): string {
  const who = e.pod ?? (e.owner === 'node' ? `node ${e.node}` : '');
  return `${who ? `${who}  ` : ''}${hostPort(e.ip, e.port)}`;
}

/** `each 0.02%` when the odds print alike, else `0.019–0.021% each`. */
function spread(eps: EndpointShare[]): string {
  const odds = eps.map((e) => e.probability);
  const lo = pct(Math.min(...odds));
  const hi = pct(Math.max(...odds));
  return lo === hi ? `each ${lo}` : `${lo.replace('%', '')}–${hi} each`;
}

const count = (n: number): string => n.toLocaleString('en-US');
