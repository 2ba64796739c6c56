/**
 * trace on the kernel-checked dual-stack lab fixture (scenario `dual-stack`: web RequireDualStack,
 * pods with IPv4 and IPv6): which family each DST form takes. That netx's paths agree with the kernel
 * on every observed case is oracle.test.ts's job.
 */
import { describe, expect, it } from 'vitest';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { readLabFixture } from '../../lab/fixture-index.js';

describe('trace on the kernel-checked dual-stack lab fixture', () => {
  const { snapshot } = readLabFixture('dual-stack');
  const trace = (dst: string, family?: 4 | 6) => traceRequest(snapshot, { src: 'client', dst, namespace: 'default', ...(family ? { family } : {}) }, { buildNode: buildNodeModel }).traces[0]!;
  const tables = (t: ReturnType<typeof trace>) => new Set(t.branches[0]!.hops.flatMap((h) => h.steps).flatMap((s) => (s.table && (s.kind === 'netfilter' || s.kind === 'nat') ? [s.table.split(' ')[0]] : [])));

  it('a pod’s IPv6 address typed as DST is traced over IPv6 from the client’s IPv6 address (was: the pod’s IPv4 side)', () => {
    const t = trace('[fd00:10:244:1::10]:8080');
    expect(t.source.ip).toBe('fd00:10:244::10');
    expect(t.destination).toMatchObject({ kind: 'pod', name: 'default/web-1', ip: 'fd00:10:244:1::10' });
    expect(tables(t)).toEqual(new Set(['ip6']));
  });

  it('pod/NAME and svc/NAME follow the source’s primary family (IPv4) unless --family 6', () => {
    expect(trace('pod/web-1:8080').destination.ip).toBe('10.244.1.10');
    expect(trace('svc/web:80').destination.ip).toBe('10.96.0.10');
    const t = trace('svc/web:80', 6);
    expect(t.destination.ip).toBe('fd00:10:96::a');
    expect(t.branches.map((b) => b.endpoint?.pod).sort()).toEqual(['default/web-0', 'default/web-1', 'default/web-2']);
    expect(tables(t)).toEqual(new Set(['ip6']));
  });
});
