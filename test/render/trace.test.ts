/** Trace renderers on a real trace (bundled lab snapshot): text story, JSON stability, mermaid shape. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { buildNodeModel } from '../../src/model/build-node.js';
import { traceRequest } from '../../src/analyze/trace/index.js';
import { renderTraces } from '../../src/render/trace.js';
import { REPO_ROOT } from '../support/corpus.js';

const snap = (f: string) => parseSnapshot(readFileSync(path.join(REPO_ROOT, f), 'utf8'), f);
const BASE = snap('examples/lab-flannel-iptables.snapshot.json');
const traces = (dst: string, s = BASE) => traceRequest(s, { src: 'client', dst, namespace: 'default' }, { buildNode: buildNodeModel }).traces;

describe('trace renderers', () => {
  beforeAll(() => {
    chalk.level = 0;
  });

  it('text: the answer first, then endpoints with odds, then each path citing table/chain/line', () => {
    const out = renderTraces(traces('svc/web:80'), 'text');
    const lines = out.split('\n');
    expect(lines[0]).toBe('default/client (10.244.0.10, node node-a) → service default/web 10.96.0.10:80/TCP (http)');
    expect(lines[1]).toBe('DELIVERED on 3 of 3 paths');
    expect(out).toMatch(/33%\s+delivered\s+default\/web-1\s+10\.244\.1\.10:8080\s+node-b\s+VXLAN flannel\.1 → 172\.31\.250\.11/);
    expect(out).toMatch(/ip nat KUBE-SEP-\w+ {2}DNAT {2}10\.96\.0\.10:80 → 10\.244\.1\.10:8080 {2}\(line \d+\)/);
    expect(out).toMatch(/VXLAN encapsulation on flannel\.1: VNI 1, udp\/8472/);
    expect(out).not.toMatch(/no match/);
  });

  it('text -v adds every rule evaluated', () => {
    const out = renderTraces(traces('svc/web:80'), 'text', true);
    expect(out).toMatch(/no match\s+KUBE-SERVICES line \d+: -A KUBE-SERVICES -d 10\.96\.0\.1\/32/);
  });

  it('a failing trace: verdict and the rule in the headline, the finding below', () => {
    const out = renderTraces(traces('svc/ghost', snap('test/fixtures/lab/no-endpoints.snapshot.json')), 'text');
    expect(out.split('\n')[1]).toMatch(/^REJECTED on 1 of 1 path \(100%\) · rejected by ip filter KUBE-SERVICES line \d+ \("default\/ghost:http has no endpoints"\)$/);
    expect(out).toMatch(/✗ service default\/ghost port 80\/TCP has no ready endpoints/);
  });

  it('json is stable (same input, same bytes) with the fixed names', () => {
    const a = renderTraces(traces('svc/echo'), 'json');
    expect(renderTraces(traces('svc/echo'), 'json')).toBe(a);
    const doc = JSON.parse(a) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['source', 'destination', 'disposition', 'branches', 'findings']));
    const b = (doc.branches as Record<string, unknown>[])[0]!;
    expect(Object.keys(b)).toEqual(expect.arrayContaining(['probability', 'disposition', 'endpoint', 'hops']));
  });

  it('mermaid: service node, odds on edges, the failing end highlighted', () => {
    const ok = renderTraces(traces('svc/web:80'), 'mermaid');
    expect(ok).toMatch(/t0svc\{\{"service default\/web<br\/>10\.96\.0\.10:80\/TCP"\}\}/);
    expect(ok.match(/-->\|33%\|/g)).toHaveLength(3);
    const bad = renderTraces(traces('svc/ghost', snap('test/fixtures/lab/no-endpoints.snapshot.json')), 'mermaid');
    expect(bad).toMatch(/class t0b0end fail/);
    expect(bad).toMatch(/class t0b0h0 fail/);
  });
});
