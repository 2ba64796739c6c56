/** Load-time screening of API objects and the limits of parseSnapshot (pure: text in, Snapshot or UserError out). */
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { MAX_JSON_CONTAINERS } from '../../src/snapshot/limits.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { snapshotOf } from '../support/snapshot.js';
import { UserError } from '../../src/util/errors.js';

const snapshot = (objects: Record<string, unknown[]>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify(snapshotOf({ capturedAt: 'x', objects: objects as Snapshot['cluster']['objects'], cluster: extra }));

const load = (objects: Record<string, unknown[]>): Snapshot => parseSnapshot(snapshot(objects), 'snap.json');
const meta = (name: string, namespace = 'default') => ({ name, namespace });
const svc = (spec: Record<string, unknown>) => ({ metadata: meta('web'), spec });

function issuesOf(resource: string, o: unknown): { code: string; path: string }[] {
  return (load({ [resource]: [o] }).cluster.malformed ?? []).flatMap((m) => m.issues.map((i) => ({ code: i.code, path: i.path })));
}

describe('screening API objects at load', () => {
  it('keeps objects the API server could have returned, reading null as absent', () => {
    const s = load({
      services: [svc({ clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }, { port: 80, protocol: 'UDP', name: 'dns' }], selector: null })],
      endpointslices: [{ metadata: meta('web-x'), addressType: 'IPv4', endpoints: null, ports: null }],
      pods: [{ metadata: meta('p'), status: { podIP: '010.0.0.1', podIPs: [{ ip: 'fd00::1' }] } }],
    });
    expect(s.cluster.malformed).toBeUndefined();
    expect(s.cluster.objects.services![0]).toEqual(svc({ clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }, { port: 80, protocol: 'UDP', name: 'dns' }] }));
    expect(s.cluster.objects.endpointslices![0]).toEqual({ metadata: meta('web-x'), addressType: 'IPv4' });
  });

  it('sets aside what a reader would meet with the wrong type, naming each field', () => {
    expect(issuesOf('services', svc({ clusterIP: 42 }))).toEqual([{ code: 'wrong-type', path: 'spec.clusterIP' }]);
    expect(issuesOf('pods', { metadata: meta('p'), status: { podIPs: '10.0.0.1', phase: 3 } })).toEqual([
      { code: 'wrong-type', path: 'status.phase' },
      { code: 'wrong-type', path: 'status.podIPs' },
    ]);
    expect(issuesOf('daemonsets', { metadata: meta('ds', 'kube-system'), spec: { template: { spec: { containers: [null] } } } })).toEqual([{ code: 'wrong-type', path: 'spec.template.spec.containers[0]' }]);
    expect(issuesOf('networkpolicies', { metadata: meta('np'), spec: { podSelector: { matchLabels: { app: 7 } } } })).toEqual([{ code: 'wrong-type', path: 'spec.podSelector.matchLabels.app' }]);
  });

  it('checks what API validation guarantees: names, IP and CIDR syntax, port ranges, list limits, uniqueness', () => {
    expect(issuesOf('nodes', { metadata: {} })).toEqual([{ code: 'missing', path: 'metadata.name' }]);
    expect(issuesOf('services', svc({ clusterIP: '10.0.0.1/33' }))).toEqual([{ code: 'bad-format', path: 'spec.clusterIP' }]);
    expect(issuesOf('nodes', { metadata: meta('n', ''), spec: { podCIDRs: ['10.244.0.0/24', '10.244.1.0'] } })).toEqual([{ code: 'bad-format', path: 'spec.podCIDRs[1]' }]);
    expect(issuesOf('services', svc({ ports: [{ port: 65536 }] }))).toEqual([{ code: 'out-of-range', path: 'spec.ports[0].port' }]);
    expect(issuesOf('services', svc({ ports: [{ port: 80, protocol: 'TCP', name: 'a' }, { port: 80, protocol: 'TCP', name: 'b' }] }))).toEqual([{ code: 'duplicate', path: 'spec.ports[1]' }]);
    const endpoints = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${i & 255}`] }));
    expect(issuesOf('endpointslices', { metadata: meta('s'), endpoints })).toEqual([{ code: 'out-of-range', path: 'endpoints' }]);
  });

  it('sets aside an object nested deeper than 64 levels, pointing at where it goes deep', () => {
    // Spliced into the text: JSON.stringify would overflow on it before netx sees it.
    const text = snapshot({ endpointslices: [{ metadata: meta('s'), endpoints: [{ addresses: '@' }] }] }).replace('"@"', `${'['.repeat(100_000)}"10.0.0.1"${']'.repeat(100_000)}`);
    const m = parseSnapshot(text, 's').cluster.malformed!;
    expect(m).toHaveLength(1);
    expect(m[0]!.issues).toEqual([{ code: 'too-deep', path: 'endpoints[0].addresses[0][0][0]…', expected: 'at most 64 levels of nesting', found: 'more than 64 levels' }]);
  });

  it('keeps the other objects and resources, and says where the bad one was', () => {
    const s = load({ services: [svc({}), { metadata: meta('bad'), spec: { ports: 'x' } }, svc({ type: 'ClusterIP' })], pods: [42] });
    expect(s.cluster.objects.services).toHaveLength(2);
    expect(s.cluster.objects.pods).toEqual([]);
    expect(s.cluster.malformed!.map((m) => [m.kind, m.namespace, m.name, m.at])).toEqual([
      ['Service', 'default', 'bad', 'cluster.objects.services[1]'],
      ['Pod', undefined, undefined, 'cluster.objects.pods[0]'],
    ]);
  });

  it('reads node names, dump keys and file paths as own keys: a node called constructor is nothing more', () => {
    const s = parseSnapshot(snapshot({}).replace('"nodes":{}', '"nodes":{"n":{"dumps":{},"files":{}}}'), 's');
    expect(s.nodes['constructor']).toBeUndefined();
    expect(s.nodes['n']!.dumps['toString']).toBeUndefined();
    expect(s.nodes['n']!.files!['__proto__']).toBeUndefined();
    expect(s.cluster.objects['valueOf']).toBeUndefined();
  });
});

describe('parseSnapshot limits', () => {
  it(`refuses more than ${MAX_JSON_CONTAINERS.toLocaleString('en-US')} JSON objects and arrays before parsing, naming where`, () => {
    const prefix = '{"kind":"NetxSnapshot","a":[';
    const many = `${prefix}${'[],'.repeat(MAX_JSON_CONTAINERS)}[]]}`;
    let err: unknown;
    try {
      parseSnapshot(many, 'many.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`many.json holds more than 16,000,000 JSON objects and arrays (the limit is passed at line 1, column ${prefix.length + 3 * (MAX_JSON_CONTAINERS - 2) + 1}), the most kubectl-netx reads (see docs/snapshot.md, "Limits")`);
  });

  it('counts brackets inside strings as text, escaped quotes included', () => {
    const text = snapshot({ configmaps: [{ metadata: meta('c', 'kube-system'), data: { x: `\\"${'[{'.repeat(MAX_JSON_CONTAINERS)}` } }] });
    expect(() => parseSnapshot(text, 's')).not.toThrow();
  });

  it('refuses an envelope nested deeper than 100 levels, naming the path', () => {
    const text = snapshot({}, { serverVersion: { a: '@' } }).replace('"@"', `${'['.repeat(200)}1${']'.repeat(200)}`);
    expect(() => parseSnapshot(text, 's.json')).toThrow(/^s\.json nests deeper than 100 levels at cluster\.serverVersion\.a\[0\]\[0\]\[0\]…: no snapshot does$/);
  });
});
