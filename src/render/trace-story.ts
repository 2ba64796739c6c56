/** Which steps tell the story (default) and how one step reads as a line. Shared by text and mermaid. */
import type { Branch, Step, TunnelInfo } from '../sim/trace.js';

/** The steps worth a line: decisions and changes; `-v` shows them all. */
export function storySteps(steps: Step[], verbose: boolean): Step[] {
  if (verbose) return steps;
  return steps.filter((s, i) => {
    if (s.detail?.entered) return false;
    if (s.kind !== 'netfilter') return true;
    if (s.action === undefined || s.action === 'policy-accept') return false;
    if (s.action === 'continue') return (s.packetBefore?.mark ?? 0) !== (s.packetAfter?.mark ?? 0);
    if (s.action === 'jump' || s.action === 'goto') {
      // A jump into a chain that decided nothing (it returned or fell through) is noise.
      const next = steps.slice(i + 1).find((x) => !x.detail?.entered);
      return next !== undefined && next.chain === s.target && next.action !== 'return';
    }
    return true;
  });
}

/** `line 12` / `handle 40` / ''. */
function where(s: Step): string {
  if (s.line !== undefined) return `line ${s.line}`;
  if (s.handle !== undefined) return `handle ${s.handle}`;
  return '';
}

export function stepLine(s: Step): string {
  switch (s.kind) {
    case 'netfilter':
    case 'nat': {
      if (!s.table) return s.summary;
      const change = s.kind === 'nat' && s.packetBefore && s.packetAfter ? `  ${natChange(s)}` : '';
      return `${s.table} ${s.chain}  ${(s.verdict ?? '').toUpperCase()}${change}${where(s) ? `  (${where(s)})` : ''}`;
    }
    default:
      return s.summary;
  }
}

export function natChange(s: Step): string {
  const a = s.packetBefore!;
  const b = s.packetAfter!;
  if (a.daddr !== b.daddr || a.dport !== b.dport) return `${a.daddr}:${a.dport ?? ''} → ${b.daddr}:${b.dport ?? ''}`;
  if (a.saddr !== b.saddr || a.sport !== b.sport) return `source ${a.saddr} → ${b.saddr}`;
  return '';
}

const TUNNEL_NAME: Record<TunnelInfo['type'], string> = { vxlan: 'VXLAN', ipip: 'IPIP' };

/** A short description of how the branch travels. */
export function pathSummary(b: Branch): string {
  const steps = b.hops.flatMap((h) => h.steps);
  const tunnel = steps.find((s) => s.kind === 'encap' && s.tunnel)?.tunnel;
  if (tunnel) return `${TUNNEL_NAME[tunnel.type]} ${tunnel.dev}${tunnel.outerDst ? ` → ${tunnel.outerDst}` : ''}`;
  const nodes = [...new Set(b.hops.map((h) => h.node))];
  if (nodes.length > 1) return `routed ${nodes.join(' → ')}`;
  const bridge = steps.find((s) => s.kind === 'bridge');
  if (bridge) return `same node, bridge ${String(bridge.detail?.bridge ?? '')}`;
  return 'same node';
}

/** `33%`, `2.5%`, and two significant digits below 0.1% (`0.02%`: one endpoint of 5,000), never a bare `0%` for odds above 0. */
export function pct(p: number): string {
  const v = p * 100;
  if (v >= 10 || v === 0) return `${Math.round(v)}%`;
  if (v >= 0.1) return `${Number(v.toFixed(1))}%`;
  return `${Number(v.toPrecision(2))}%`;
}
