/**
 * `trace` to a service with hundreds of endpoints on several nodes (test/support/big-service.ts: the bundled lab
 * snapshots grown by kube-proxy's own rules), in iptables and nftables mode: one path per node, every endpoint with
 * its odds in text and JSON, output that grows with the endpoints, not with their square. And no "out of sync"
 * finding when the walk could not finish (a jump loop, an nft expression netx does not know).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { renderTraces } from '../../../src/render/trace.js';
import { decodeDumpStdout, encodeGzipBase64 } from '../../../src/snapshot/dump-encoding.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import type { Trace } from '../../../src/sim/trace.js';
import { BASE_SNAPSHOT, BIG, bigServiceSnapshot, type ProxyMode } from '../../support/big-service.js';
import { REPO_ROOT } from '../../support/corpus.js';

const N = 300;
const read = (file: string): Snapshot => parseSnapshot(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
const traceTo = (snap: Snapshot, dst: string): Trace[] => traceRequest(snap, { src: 'client', dst, namespace: 'default' }, { buildNode: buildNodeModel }).traces;
const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object;

/** The EndpointSlices' addresses of the big service. */
function sliceAddresses(snap: Snapshot): string[] {
  const slices = (snap.cluster.objects.endpointslices ?? []) as { metadata?: { labels?: Record<string, string> }; endpoints?: { addresses?: string[] }[] }[];
  return slices.filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === BIG.name).flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses ?? []));
}

describe.each(['iptables', 'nftables'] as ProxyMode[])(`a %s service with ${N} endpoints on three nodes`, (mode) => {
  let snap: Snapshot;
  let trace: Trace;
  beforeAll(() => {
    chalk.level = 0;
    snap = bigServiceSnapshot(read(BASE_SNAPSHOT[mode]), mode, { endpoints: N });
    // Through a file's text, as `--snapshot` reads it (and the schema checks it).
    snap = parseSnapshot(JSON.stringify(snap), 'big.json');
    trace = traceTo(snap, `svc/${BIG.name}:${BIG.port}`)[0]!;
  });

  it('is delivered on one path per node, each listing its endpoints with their odds', () => {
    expect(trace.disposition).toBe('delivered');
    expect(trace.branches.map((b) => b.endpoint?.node).sort()).toEqual(['node-a', 'node-b', 'node-w001']);
    const shares = trace.branches.flatMap((b) => b.endpoints ?? []);
    expect(shares.map((e) => e.ip).sort()).toEqual(sliceAddresses(snap).sort());
    for (const e of shares) expect(e.probability).toBeCloseTo(1 / N, 8);
    for (const b of trace.branches) {
      expect(b.probability).toBeCloseTo(b.endpoints!.reduce((s, e) => s + e.probability, 0), 12);
      expect(new Set(b.endpoints!.map((e) => e.node))).toEqual(new Set([b.endpoint!.node]));
      // The path shown is one of them: the one reached with the fewest rules evaluated.
      expect(b.endpoints).toContainEqual({ ...b.endpoint, probability: expect.any(Number) });
    }
    expect(trace.branches.reduce((s, b) => s + b.probability, 0)).toBeCloseTo(1, 9);
  });

  it('finds the rules in sync with the EndpointSlices (every endpoint reached, nothing uncertain)', () => {
    const codes = trace.findings.map((f) => f.code);
    expect(codes).toContain('endpoints');
    for (const c of ['proxy-missing-endpoint', 'proxy-stale-endpoint', 'proxy-unaware-service', 'uncertain']) expect(codes).not.toContain(c);
  });

  it('JSON: every endpoint once, the hops once per path, within the schema, in space linear in the endpoints', () => {
    const json = renderTraces([trace], 'json');
    const doc = JSON.parse(json) as { branches: { endpoints: { ip: string; probability: number }[]; hops: unknown[] }[] };
    expect(doc.branches).toHaveLength(3);
    expect(doc.branches.flatMap((b) => b.endpoints)).toHaveLength(N);
    const ajv = new Ajv({ allErrors: true, strict: false });
    const valid = ajv.validate(schema, doc);
    expect(ajv.errors ?? [], 'schema').toEqual([]);
    expect(valid).toBe(true);
    // Three full paths and a line per endpoint (and its label): a path per endpoint was ~30 KB each.
    expect(json.length).toBeLessThan(400_000 + 1_500 * N);
  });

  it('text: every endpoint’s odds in a few lines per node', () => {
    const text = renderTraces([trace], 'text');
    expect(text).toMatch(new RegExp(`^  ${N} endpoints on 3 nodes, each 0\\.3%$`, 'm'));
    expect(text.match(/^\s+… and 97 more, each 0\.3%$/gm)).toHaveLength(3);
    expect(text).toMatch(/this path stands for 100 endpoints on node-[\w-]+ that take the same way/);
    expect(text.split('\n').length).toBeLessThan(400);
    // No line lists every endpoint (a finding comparing outcomes once did).
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(1000);
  });
});

describe('no "out of sync" finding when the walk could not finish', () => {
  function withDump(file: string, key: 'iptables' | 'nft', edit: (text: string) => string): Snapshot {
    const snap = read(file);
    const d = snap.nodes['node-a']!.dumps[key]!;
    const t = decodeDumpStdout(d);
    if (t.kind !== 'text') throw new Error(t.reason);
    snap.nodes['node-a']!.dumps[key] = { ...d, stdout: d.encoding === 'gzip+base64' ? encodeGzipBase64(edit(t.text)) : edit(t.text) };
    return snap;
  }
  const loopIn = (verdict: '-j' | '-g') => (text: string): string =>
    text
      .replace(':KUBE-SERVICES - [0:0]\n', ':KUBE-SERVICES - [0:0]\n:NETX-LOOP-A - [0:0]\n:NETX-LOOP-B - [0:0]\n')
      .replace(/(\n-A KUBE-SERVICES )/, `\n-A KUBE-SERVICES -j NETX-LOOP-A\n-A NETX-LOOP-A ${verdict} NETX-LOOP-B\n-A NETX-LOOP-B ${verdict} NETX-LOOP-A$1`);

  it.each(['-j', '-g'] as const)('a %s loop in KUBE-SERVICES: uncertain, named as a loop, no proxy finding', (verdict) => {
    const t = traceTo(withDump(BASE_SNAPSHOT.iptables, 'iptables', loopIn(verdict)), 'svc/web:80')[0]!;
    expect(t.disposition).toBe('uncertain');
    const codes = t.findings.map((f) => f.code);
    expect(codes).toContain('uncertain');
    expect(t.findings.find((f) => f.code === 'uncertain')?.message).toMatch(/loops \(NETX-LOOP-A → NETX-LOOP-B → NETX-LOOP-A\)/);
    expect(codes).not.toContain('proxy-unaware-service');
    expect(codes).not.toContain('proxy-missing-endpoint');
  });

  it('an nft expression netx does not know in the services chain: uncertain, no proxy finding', () => {
    const snap = withDump(BASE_SNAPSHOT.nftables, 'nft', (text) => {
      const doc = JSON.parse(text) as { nftables: Record<string, Record<string, unknown>>[] };
      const first = doc.nftables.findIndex((i) => i['rule']?.['chain'] === 'services');
      doc.nftables.splice(first, 0, { rule: { family: 'ip', table: 'kube-proxy', chain: 'services', handle: 9999, expr: [{ 'netx-unknown': { key: 'x' } }, { accept: null }] } });
      return JSON.stringify(doc);
    });
    const t = traceTo(snap, 'svc/web:80')[0]!;
    expect(t.disposition).toBe('uncertain');
    const codes = t.findings.map((f) => f.code);
    expect(codes).toContain('uncertain');
    expect(codes).not.toContain('proxy-unaware-service');
    expect(codes).not.toContain('proxy-missing-endpoint');
  });
});
