/**
 * The trace schema has one variant per step kind (its kind a const, only the fields that kind has): every step of
 * every bundled example's traces validates, and a step carrying another kind's fields does not.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { traceRequest } from '../../src/analyze/trace/index.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { traceDocument } from '../../src/render/trace.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { REPO_ROOT } from '../support/corpus.js';
import { traceSchemaErrors } from '../support/trace-schema.js';

const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as { definitions: { step: { oneOf: { properties: { kind: { const: string } } }[] } } };
const KINDS = ['ingress', 'route', 'netfilter', 'nat', 'conntrack', 'bridge', 'encap', 'decap', 'forward', 'deliver', 'drop', 'note'];

type Doc = { branches: { hops: { steps: Record<string, unknown>[] }[] }[] };

function exampleDoc(file: string, dst: string): Doc {
  const file_ = path.join(REPO_ROOT, 'examples', file);
  const snapshot = parseSnapshot(readFileSync(file_, 'utf8'), file_);
  const { traces } = traceRequest(snapshot, { src: 'client', dst, namespace: 'default' }, { buildNode: buildNodeModel });
  return JSON.parse(JSON.stringify(traceDocument(traces))) as Doc;
}

describe('trace schema: one variant per step kind', () => {
  it('names every step kind once, as a const', () => {
    expect(schema.definitions.step.oneOf.map((v) => v.properties.kind.const).sort()).toEqual([...KINDS].sort());
  });

  for (const file of ['lab-flannel-iptables.snapshot.json', 'lab-hostgw-nftables.snapshot.json', 'lab-flannel-ipvs.snapshot.json', 'lab-routed-iptables.snapshot.json']) {
    it(`every step of ${file}'s trace to svc/web:80 validates`, () => {
      const doc = exampleDoc(file, 'svc/web:80');
      expect(doc.branches.flatMap((b) => b.hops.flatMap((h) => h.steps)).length).toBeGreaterThan(0);
      expect(traceSchemaErrors(doc)).toEqual([]);
    });
  }

  it("refuses a step with another kind's fields, and a tunnel step without its tunnel", () => {
    const doc = exampleDoc('lab-flannel-iptables.snapshot.json', 'svc/web:80');
    const steps = doc.branches.flatMap((b) => b.hops.flatMap((h) => h.steps));
    const route = steps.find((s) => s.kind === 'route')!;
    route['evaluated'] = [];
    expect(traceSchemaErrors(doc).length).toBeGreaterThan(0);
    delete route['evaluated'];
    expect(traceSchemaErrors(doc)).toEqual([]);
    const encap = steps.find((s) => s.kind === 'encap')!;
    delete encap['tunnel'];
    expect(traceSchemaErrors(doc).length).toBeGreaterThan(0);
  });
});
