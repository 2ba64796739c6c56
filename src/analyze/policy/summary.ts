/** Short, object-free forms of a flow for verdicts and reasons. */
import type { EndSummary, FlowEnd, FlowSummary, PolicyFlow } from './types.js';

export function endSummary(e: FlowEnd): EndSummary {
  if (e.kind === 'pod') return { kind: 'pod', ip: e.ip, name: e.name, ...(e.node ? { node: e.node } : {}) };
  return { kind: 'ip', ip: e.ip, owner: e.owner, ...(e.name ? { name: e.name } : {}), ...(e.node ? { node: e.node } : {}) };
}

export const summarizeFlow = (f: PolicyFlow): FlowSummary => ({ source: endSummary(f.source), destination: endSummary(f.destination), protocol: f.protocol, port: f.port });

/** `ns/pod (10.0.0.5)` or `10.0.0.5` / `node kind-worker (172.18.0.2)`. */
export function endText(e: FlowEnd | EndSummary): string {
  if (e.kind === 'pod') return `${e.name} (${e.ip})`;
  if ('owner' in e && e.owner === 'node') return `node ${e.name ?? e.node ?? ''} (${e.ip})`.replace('node  (', 'node (');
  return e.name ? `${e.name} (${e.ip})` : e.ip;
}
