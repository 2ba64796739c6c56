import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPath, lineColumn, parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { UserError } from '../../src/util/errors.js';
import { readCorpus } from '../support/corpus.js';
import { snapshotOf } from '../support/snapshot.js';

const valid = (): Snapshot =>
  snapshotOf({
    capturedAt: '2026-11-22T10:00:00Z',
    source: { type: 'live', context: 'kind-kind', gaps: [{ what: 'ippools', reason: 'API not served', code: 'not-found' }] },
    objects: {
      nodes: (JSON.parse(readCorpus('k8s-objects', 'real-eks-1.14-nodes-list-no-podcidr.json')) as { items: Snapshot['cluster']['objects']['nodes'] }).items,
      pods: [],
    },
    cluster: {
      views: { pods: 'table' },
      serverVersion: { major: '1', minor: '33', gitVersion: 'v1.33.1' },
      serviceCidrProbe: { message: 'The range of valid IPs is 10.96.0.0/12', status: 422 },
    },
    nodes: {
      'kind-worker': {
        dumps: { route: { argv: ['ip', '-j', 'route', 'show', 'table', 'all'], stdout: '[]', stderr: '', exitCode: 0, durationMs: 3 } },
        files: { '/etc/cni/net.d/10-flannel.conflist': '{}' },
      },
    },
  });

function failure(text: string, source = 'snap.json'): UserError {
  try {
    parseSnapshot(text, source);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).code).toBe('snapshot');
    return e as UserError;
  }
  throw new Error('expected parseSnapshot to throw');
}

describe('serializeSnapshot', () => {
  it('writes the JSON value JSON.stringify writes, whatever the shape', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (shallow, deep) => {
        const s = { ...valid(), extra: shallow, nodes: { n: { dumps: { k: deep } } } } as unknown as Snapshot;
        expect(JSON.parse(serializeSnapshot(s))).toEqual(JSON.parse(JSON.stringify(s)));
      }),
    );
  });

  it('drops undefined members, writes undefined items as null and dates as JSON.stringify does, at every depth', () => {
    const when = new Date('2026-12-07T00:00:00Z');
    const odd = { a: undefined, b: [undefined, when], c: { d: when, e: [] as unknown[], f: {} } };
    const s = { ...valid(), odd, at: when, nodes: { n: { dumps: { k: odd }, deeper: { x: { y: odd } } } } } as unknown as Snapshot;
    expect(serializeSnapshot(s)).not.toContain('undefined');
    expect(JSON.parse(serializeSnapshot(s))).toEqual(JSON.parse(JSON.stringify(s)));
  });

  it('puts each API object and each node dump on a line of its own, the envelope indented', () => {
    const s = valid();
    const text = serializeSnapshot(s);
    const lines = text.split('\n');
    const items = lines.filter((l) => l.startsWith('        {')).map((l) => l.trim().replace(/,$/, ''));
    for (const node of s.cluster.objects.nodes!) expect(items).toContain(JSON.stringify(node));
    expect(lines[1]).toBe(`  "kind": "NetxSnapshot",`);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('parseSnapshot', () => {
  it('round-trips a valid snapshot holding real node objects', () => {
    const s = valid();
    const back = parseSnapshot(serializeSnapshot(s), 'x');
    expect(back).toEqual(s);
    expect(back.cluster.objects.nodes!.length).toBeGreaterThan(0);
  });

  it('names the exact path of a wrongly typed dump field', () => {
    const s = valid() as unknown as { nodes: Record<string, { dumps: Record<string, { exitCode: unknown }> }> };
    s.nodes['kind-worker']!.dumps.route!.exitCode = '0';
    expect(failure(JSON.stringify(s)).message).toContain('nodes.kind-worker.dumps.route.exitCode: must be integer');
  });

  it('names missing required fields, array indices and keys that are not identifiers', () => {
    const s = valid() as unknown as Record<string, unknown> & { nodes: Record<string, { dumps: Record<string, Record<string, unknown>> }> };
    delete s.capturedAt;
    delete s.nodes['kind-worker']!.dumps.route!.stderr;
    s.nodes['ip-10-0-0-1.ec2.internal'] = { dumps: {}, files: { '/etc/cni/net.d/x': 5 } } as never;
    const msg = failure(JSON.stringify(s)).message;
    expect(msg).toContain('capturedAt: is required');
    expect(msg).toContain('nodes.kind-worker.dumps.route.stderr: is required');
    expect(msg).toContain('nodes["ip-10-0-0-1.ec2.internal"].files["/etc/cni/net.d/x"]: must be string');
  });

  it('sets aside an API object without its Kubernetes shape, naming it by index and field (the rest loads)', () => {
    const s = valid() as unknown as { cluster: { objects: { pods: unknown[] } } };
    s.cluster.objects.pods = [{ metadata: { name: 'a' } }, { metadata: { name: 7 } }];
    const back = parseSnapshot(JSON.stringify(s), 'snap.json');
    expect(back.cluster.objects.pods).toEqual([{ metadata: { name: 'a' } }]);
    expect(back.cluster.malformed).toEqual([
      { resource: 'pods', kind: 'Pod', at: 'cluster.objects.pods[1]', issues: [{ code: 'wrong-type', path: 'metadata.name', expected: 'a string', found: 'the number 7' }] },
    ]);
  });

  it('rejects a newer version with an upgrade message, and an unknown one clearly', () => {
    expect(failure(JSON.stringify({ ...valid(), version: 2 })).message).toMatch(/version 2, written by a newer kubectl-netx; upgrade/);
    expect(failure(JSON.stringify({ ...valid(), version: '1' })).message).toMatch(/unsupported snapshot version "1"/);
    expect(failure(JSON.stringify({ ...valid(), version: undefined })).message).toMatch(/unsupported snapshot version \(missing\)/);
  });

  it('rejects other JSON documents by kind', () => {
    const list = readCorpus('k8s-objects', 'real-eks-1.14-services-list-kubernetes-10.100.0.1.json');
    expect(failure(list).message).toMatch(/not a kubectl-netx snapshot: kind is "(List|ServiceList)"/);
    expect(failure('[1,2]').message).toMatch(/top level must be a JSON object/);
  });

  it('reports non-JSON with line and column', () => {
    const e = failure('{\n  "kind": "NetxSnapshot",\n  "version": 1 x\n}');
    expect(e.message).toMatch(/^snap.json is not valid JSON at line 3, column 16/);
    expect(failure('{"kind":').message).toMatch(/at line 1, column 9/);
    expect(failure('  \n').message).toMatch(/is empty/);
  });

  it('lists at most three schema problems and counts the rest', () => {
    const s = valid() as unknown as { nodes: Record<string, unknown> };
    for (let i = 0; i < 5; i++) s.nodes[`n${i}`] = { dumps: { route: {} } };
    expect(failure(JSON.stringify(s)).message).toMatch(/\(and \d+ more\)$/);
  });
});

describe('helpers', () => {
  it('formats JSON pointer segments', () => {
    expect(formatPath(['nodes', 'kind-worker', 'dumps', 'route', 'exitCode'])).toBe('nodes.kind-worker.dumps.route.exitCode');
    expect(formatPath(['cluster', 'objects', 'pods', '3'])).toBe('cluster.objects.pods[3]');
  });
  it('computes 1-based line and column', () => {
    expect(lineColumn('ab\ncd', 4)).toBe('line 2, column 2');
    expect(lineColumn('ab', 0)).toBe('line 1, column 1');
  });
});
