/** Findings: where configuration and dataplane, or nodes among themselves, do not add up. */
import type { Snapshot } from '../../snapshot/types.js';
import { notProbed, proxyPresence, sourceFindings, versionFindings } from './findings-cluster.js';
import { ambiguous, mixedBackends, mixedRulesets, nodeMismatch, nodesDisagree } from './findings-nodes.js';
import { unreadableFindings } from './unreadable.js';
import type { Finding, FindingInput } from './types.js';
import { leftOut, leftOutText } from '../left-out.js';
import { proxyModePlan } from './plan.js';

export function findings(i: FindingInput): Finding[] {
  return [
    ...sourceFindings(i.configured),
    ...i.nodes.flatMap((n) => [...nodeMismatch(i, n), ...mixedRulesets(n), ...mixedBackends(n), ...ambiguous(n), ...unreadableFindings(n)]),
    ...nodesDisagree(i.nodes),
    ...proxyPresence(i),
    ...versionFindings(i),
    ...notProbed(i.nodes, i.snapshot),
    ...malformed(i.snapshot),
  ];
}

/** Objects set aside at load: the configured mode and the node list are judged without them. */
function malformed(snapshot: Snapshot): Finding[] {
  const t = leftOutText(leftOut(snapshot, proxyModePlan()));
  return t ? [{ code: 'malformed-object', severity: 'warning', message: t.message, evidence: t.evidence, nextSteps: [t.hint] }] : [];
}
