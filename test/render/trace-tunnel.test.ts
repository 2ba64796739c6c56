/**
 * Renderers print what a step says it is, from its typed fields: an IP-in-IP path (Calico tunl0, walked by the
 * simulator) reads as IPIP, never as VXLAN, and the device comes from the step's `tunnel`, not from its summary text.
 */
import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeBranches, overallDisposition, type Branch, type Trace } from '../../src/sim/index.js';
import { renderTraces } from '../../src/render/trace.js';
import { pathSummary } from '../../src/render/trace-story.js';
import { A, B, calicoNode, podToPod } from '../sim/calico-topology.js';
import { traceSchemaErrors } from '../support/trace-schema.js';

function traceOf(branches: Branch[]): Trace {
  return {
    source: { kind: 'pod', name: A.pod.name, ip: A.pod.ip, protocol: 'tcp', node: A.name },
    destination: { kind: 'pod', name: B.pod.name, ip: B.pod.ip, port: 8080, protocol: 'tcp', node: B.name },
    disposition: overallDisposition(branches),
    branches,
    findings: [],
  };
}

describe('tunnels are printed from the step, not from prose', () => {
  beforeAll(() => {
    chalk.level = 0;
  });

  it('an IPIP (tunl0) path reads IPIP tunl0 → the peer node, in the endpoints table', () => {
    const t = traceOf(mergeBranches(podToPod([calicoNode(A), calicoNode(B)])));
    const out = renderTraces([t], 'text');
    expect(out).toMatch(/delivered\s+default\/web\s+10\.122\.62\.130:8080\s+node-b\s+IPIP tunl0 → 192\.168\.10\.100/);
    expect(out).not.toMatch(/VXLAN/);
  });

  it('the encap and decap steps carry the tunnel type and device as fields (JSON)', () => {
    const t = traceOf(podToPod([calicoNode(A), calicoNode(B)]));
    const doc = JSON.parse(renderTraces([t], 'json')) as Trace;
    const steps = doc.branches[0]!.hops.flatMap((h) => h.steps);
    expect(steps.find((s) => s.kind === 'encap')?.tunnel).toEqual({ type: 'ipip', dev: 'tunl0', outerDst: B.ip, remoteNode: 'node-b' });
    expect(steps.find((s) => s.kind === 'decap')?.tunnel).toEqual({ type: 'ipip', dev: 'tunl0', outerSrc: A.ip, outerDst: B.ip });
    expect(traceSchemaErrors(doc)).toEqual([]);
  });

  it('a summary worded otherwise changes nothing: the path comes from the tunnel field', () => {
    const b = podToPod([calicoNode(A), calicoNode(B)])[0]!;
    for (const h of b.hops) for (const s of h.steps) if (s.kind === 'encap') s.summary = 'wrapped on some device: see detail';
    expect(pathSummary(b)).toBe(`IPIP tunl0 → ${B.ip}`);
  });
});
