/** Trace renderers on a real trace (bundled lab snapshot): text story, JSON stability, mermaid shape. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
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
    expect(ok.match(/t0svc -->\|33%\|/g)).toHaveLength(3);
    const bad = renderTraces(traces('svc/ghost', snap('test/fixtures/lab/no-endpoints.snapshot.json')), 'mermaid');
    expect(bad).toMatch(/class t0b0end fail/);
    expect(bad).toMatch(/class t0h0 fail/);
  });

  it('mermaid: one box per node and hop, saying what happened there (interface, NAT, tunnel)', () => {
    const out = renderTraces(traces('svc/web:80'), 'mermaid');
    // Two nodes, each drawn once; node-b's decapsulate-and-deliver hop is one box for both of its endpoints.
    expect(out.match(/subgraph \w+ \["node node-a"\]/g)).toHaveLength(1);
    expect(out.match(/subgraph \w+ \["node node-b"\]/g)).toHaveLength(1);
    expect(out.match(/VXLAN decapsulation on flannel\.1/g)).toHaveLength(1);
    expect(out).toMatch(/\["in cni0<br\/>DNAT 10\.96\.0\.10:80 → 10\.244\.1\.10:8080<br\/>VXLAN encapsulation on flannel\.1: VNI 1,<br\/>udp\/8472, 172\.31\.250\.10 → 172\.31\.250\.11 \(node-b\)<br\/>out eth0"\]/);
    // No hop box says only which node it is.
    expect(out).not.toMatch(/^\s+t0h\d+\["node node-[ab]"\]$/m);
  });

  it('mermaid: a failure label is whole, its quotes escaped, wrapped instead of cut', () => {
    const out = renderTraces(traces('svc/web', snap('test/fixtures/lab/forward-drop.snapshot.json')), 'mermaid');
    const end = out.split('\n').find((l) => l.includes('DROPPED'))!;
    expect(end).toContain('dropped by ip filter FORWARD line');
    expect(end).toContain('#quot;netx-lab:<br/>block web-1#quot;');
    // Every label is one quoted string: no bare quote inside.
    for (const label of out.matchAll(/\["(.*)"\]/g)) expect(label[1]).not.toContain('"');
    expect(out).toMatch(/\["in eth0<br\/>VXLAN decapsulation on flannel\.1 \(VNI 1\)<br\/>ip filter FORWARD {2}DROP {2}\(line \d+\)"\]/);
  });

  describe('finding markers: ✓ a check that passed, i a note, ! warning, ✗ error', () => {
    const findingLines = (out: string) => out.slice(out.indexOf('\nFindings\n')).split('\n').filter((l) => /^ {2}\S/.test(l));

    it('sticky service: ready endpoints are a passed check, session affinity is a note', () => {
      const lines = findingLines(renderTraces(traces('svc/sticky'), 'text'));
      expect(lines).toEqual([
        expect.stringMatching(/^ {2}✓ 3 ready endpoint\(s\) in EndpointSlice sticky-\w+$/),
        "  i session affinity: the odds are those of a client's first connection; later ones stick to the endpoint it got",
        // The lab's debug image has no ipvsadm: said once, with why it could not matter.
        "  i the ipvs dump failed (ipvsadm -Sn exited 127: sh: 1: ipvsadm: not found) on node-a, node-b: not needed — no kube-ipvs0 device: kube-proxy's IPVS mode is not in use",
      ]);
    });

    it('NodePort from outside: the masquerade is a note next to a passed check and a warning', () => {
      const t = traceRequest(BASE, { src: 'external:203.0.113.9', dst: 'svc/web-np', fromNode: 'node-a', namespace: 'default' }, { buildNode: buildNodeModel }).traces;
      const lines = findingLines(renderTraces(t, 'text'));
      expect(lines.find((l) => l.includes('externalTrafficPolicy Cluster'))).toMatch(/^ {2}i externalTrafficPolicy Cluster on default\/web-np: the client address 203\.0\.113\.9 is masqueraded/);
      expect(lines.find((l) => l.includes('ready endpoint'))).toMatch(/^ {2}✓ /);
      expect(lines.find((l) => l.includes('MTU'))).toMatch(/^ {2}! MTU 1450 on node-a:cni0/);
    });

    it('lab stale-conntrack capture without a NetworkPolicy list: "not collected" is a note, not a ✓', () => {
      const s = snap('test/fixtures/lab/stale-conntrack.snapshot.json');
      delete (s.cluster.objects as Record<string, unknown>)['networkpolicies'];
      const lines = findingLines(renderTraces(traces('svc/web:80', s), 'text'));
      expect(lines).toContain('  i NetworkPolicies are not in the snapshot: the policy verdict is not part of this trace');
      expect(lines.filter((l) => l.startsWith('  ✓ '))).toEqual([expect.stringMatching(/ready endpoint\(s\) in EndpointSlice web-/)]);
    });

    it('topology hints: rules that reach exactly the hinted endpoints pass; hints not applied are a note', () => {
      const withHints = (zones: string[][]) => {
        const s = structuredClone(BASE);
        const o = s.cluster.objects as unknown as Record<string, { metadata: { name: string; labels?: Record<string, string> }; endpoints?: { addresses: string[]; hints?: unknown }[] }[]>;
        const slice = o['endpointslices']!.find((x) => x.metadata.name.startsWith('web-ettel'))!;
        slice.endpoints!.forEach((e, i) => (e.hints = { forZones: zones[i]!.map((name) => ({ name })) }));
        const node = o['nodes']!.find((n) => n.metadata.name === 'node-a')!;
        node.metadata.labels = { ...node.metadata.labels, 'topology.kubernetes.io/zone': 'zone-a' };
        return findingLines(renderTraces(traces('svc/web:80', s), 'text')).find((l) => l.includes('topology-aware') || l.includes('zone hints'));
      };
      expect(withHints([['zone-a'], ['zone-a'], ['zone-a', 'zone-b']])).toMatch(/^ {2}✓ topology-aware routing on default\/web: .* reach exactly those$/);
      expect(withHints([['zone-a'], ['zone-b'], ['zone-b']])).toMatch(/^ {2}i topology-aware routing on default\/web: .* reach all 3 \(the hints are not applied there\)$/);
    });

    it('json: `passed: true` only on the finding that reports a passed check', () => {
      const doc = JSON.parse(renderTraces(traces('svc/sticky'), 'json')) as { findings: { code: string; passed?: boolean }[] };
      expect(doc.findings.map((f) => [f.code, f.passed])).toEqual([
        ['endpoints', true],
        ['session-affinity', undefined],
        ['dump-unreadable', undefined],
      ]);
      const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object;
      const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...doc, findings: [{ ...doc.findings[0], passed: false }] })).toBe(false);
    });
  });
});
