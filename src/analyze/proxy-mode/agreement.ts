/**
 * The one-line verdict of `proxy-mode`, derived from the node rows and the findings under it: a node counts as
 * checked only when its effective mode was established from its dumps; "agree" is said of checked nodes only, and the
 * nodes that were not checked are named with why (not probed, a dump that could not be read, two modes populated).
 */
import type { Agreement, ConfiguredMode, Finding, NodeProxyMode } from './types.js';

export function agreement(nodes: NodeProxyMode[], findings: Finding[], configured: ConfiguredMode): Agreement {
  const unchecked = nodes.filter((n) => n.effective.kind === 'unknown' || n.effective.kind === 'ambiguous').map((n) => ({ node: n.node, why: whyUnchecked(n) }));
  const checked = nodes.filter((n) => !unchecked.some((u) => u.node === n.node)).map((n) => n.node);
  // dump-unreadable and nodes-not-probed speak of what was not checked; every other warning or error is a difference.
  const differ = findings.filter((f) => f.severity !== 'info' && f.code !== 'dump-unreadable' && f.code !== 'nodes-not-probed');
  const differing = [...new Set([...nodes.filter((n) => n.differs).map((n) => n.node), ...differ.flatMap((f) => (f.node ? [f.node] : []))])];
  const notChecked = unchecked.length ? `; not checked: ${unchecked.map((u) => `${u.node} (${u.why})`).join(', ')}` : '';
  if (nodes.length === 0) return { kind: 'unchecked', checked, unchecked, differing, summary: 'no nodes in the snapshot: nothing was checked' };
  if (differ.length > 0 || differing.length > 0) {
    const where = differing.length ? ` on ${differing.join(', ')}` : '';
    return { kind: 'differ', checked, unchecked, differing, summary: `configuration and dataplane differ${where} (${differ.length} finding${differ.length === 1 ? '' : 's'} below)${notChecked}` };
  }
  if (checked.length === 0) return { kind: 'unchecked', checked, unchecked, differing, summary: `nothing was checked: no node's dataplane was read${notChecked}` };
  // Agreement needs something to agree with: an unknown configuration holds the nodes to nothing.
  if (configured.mode === 'unknown' || configured.mode === 'unrecognised') {
    const runs = [...new Set(nodes.flatMap((n) => (n.effective.kind === 'known' ? [n.effective.mode] : [])))];
    return { kind: 'unconfigured', checked, unchecked, differing, summary: `configuration ${configured.mode}: nothing to hold the nodes to (they run ${runs.join(', ') || 'no kube-proxy mode'} on ${checked.join(', ')})${notChecked}` };
  }
  if (unchecked.length > 0) return { kind: 'partial', checked, unchecked, differing, summary: `configuration and dataplane agree on ${checked.join(', ')}${notChecked}` };
  return { kind: 'agree', checked, unchecked, differing, summary: `configuration and dataplane agree on every node (${checked.length} of ${nodes.length})` };
}

function whyUnchecked(n: NodeProxyMode): string {
  if (!n.probed) return 'not probed';
  if (n.effective.kind === 'ambiguous') return `two modes populated: ${n.effective.candidates.join(', ')}`;
  const bad = n.unreadable.filter((u) => u.severity === 'warning').map((u) => u.dump);
  return bad.length ? `could not read ${bad.join(', ')}` : 'mode unknown from its dumps';
}
