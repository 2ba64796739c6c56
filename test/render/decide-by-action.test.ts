/**
 * Renderers and trace findings decide by a step's kind and typed fields (`action`, `target`, `dst`), never by its
 * prose: the same trace with every step's verdict and rule text reworded renders the same lines (showing the reworded
 * text) and gives the same findings. A decision read from the text (`/^jump/`, `/^0\.0\.0\.0\/0/`) changes here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceRequest } from '../../src/analyze/trace/index.js';
import { podCidrRoutes } from '../../src/analyze/trace/path-findings.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { renderTraceMermaid } from '../../src/render/trace-mermaid.js';
import { renderTraceText } from '../../src/render/trace-text.js';
import type { Step, Trace } from '../../src/sim/trace.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { REPO_ROOT } from '../support/corpus.js';

const lab = (scenario: string): Snapshot => {
  const f = path.join(REPO_ROOT, 'test/fixtures/lab', `${scenario}.snapshot.json`);
  return parseSnapshot(readFileSync(f, 'utf8'), f);
};
const traceOf = (s: Snapshot, dst: string): Trace => traceRequest(s, { src: 'client', namespace: 'default', dst }, { buildNode: buildNodeModel }).traces[0]!;

/** Wraps the prose in brackets the output cannot otherwise hold, so it can be taken out again. */
const OPEN = '⟦';
const CLOSE = '⟧';
const reworded = (t: Trace): Trace => {
  const step = (s: Step): Step => {
    // `evaluated` of a chain's entry is computed on read (a getter): a spread alone would drop it.
    const out = { ...s, ...(s.kind === 'netfilter' && s.evaluated ? { evaluated: s.evaluated } : {}) } as Record<string, unknown>;
    for (const k of ['verdict', 'rule'] as const) if (typeof out[k] === 'string') out[k] = `${OPEN}${String(out[k])}${CLOSE}`;
    return out as unknown as Step;
  };
  return { ...t, branches: t.branches.map((b) => ({ ...b, hops: b.hops.map((h) => ({ ...h, steps: h.steps.map(step) })) })) };
};
const unwrapped = (text: string): string => text.replaceAll(OPEN, '').replaceAll(CLOSE, '');

const CASES: [string, string][] = [
  ['missing-route', 'pod/web-1:8080'],
  ['forward-drop', 'svc/web:80'],
  ['wrong-target-port', 'svc/web-typo'],
  ['stale-conntrack', 'svc/web:53'],
  ['service-types', 'svc/web:80'],
];

describe('decisions by kind and typed fields, not by step text', () => {
  it.each(CASES)('%s (%s): text and mermaid show the same steps when verdicts and rules are reworded', (scenario, dst) => {
    const t = traceOf(lab(scenario), dst);
    for (const verbose of [false, true]) {
      // Upper-cased verdicts keep the brackets: ⟦ and ⟧ have no case.
      expect(unwrapped(renderTraceText([reworded(t)], { verbose }))).toBe(renderTraceText([t], { verbose }));
      expect(unwrapped(renderTraceMermaid([reworded(t)], { verbose }))).toBe(renderTraceMermaid([t], { verbose }));
    }
  });

  it('a node that sends a pod address along its default route is named, whatever the route text says', () => {
    const s = lab('missing-route');
    const t = traceOf(s, 'pod/web-1:8080');
    const codes = (x: Trace): string[] => podCidrRoutes(s, x).map((f) => f.code);
    expect(codes(t)).toEqual(['no-route-to-pod-cidr']);
    expect(codes(reworded(t))).toEqual(['no-route-to-pod-cidr']);
  });

  it('the route step carries the matched destination: 0.0.0.0/0 for the default route', () => {
    const t = traceOf(lab('missing-route'), 'pod/web-1:8080');
    const routes = t.branches.flatMap((b) => b.hops.flatMap((h) => h.steps)).filter((x) => x.kind === 'route');
    expect(routes.map((r) => r.dst)).toContain('0.0.0.0/0');
  });
});
