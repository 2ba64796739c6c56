import { describe, expect, it } from 'vitest';
import { destinationText, parseDestination, parseSource } from '../../../src/analyze/trace/request.js';
import { UserError } from '../../../src/util/errors.js';

describe('DST parsed once into what it names', () => {
  const cases: [string, unknown][] = [
    ['svc/web:80', { kind: 'service', namespace: 'default', name: 'web', port: { kind: 'number', port: 80 } }],
    ['services/shop/web:http', { kind: 'service', namespace: 'shop', name: 'web', port: { kind: 'name', name: 'http' } }],
    ['svc/web', { kind: 'service', namespace: 'default', name: 'web' }],
    ['node/node-a:30080', { kind: 'node', name: 'node-a', port: { kind: 'number', port: 30080 } }],
    ['pod/web-1:8080', { kind: 'pod', namespace: 'default', name: 'web-1', port: { kind: 'number', port: 8080 } }],
    ['shop/web-1', { kind: 'pod', namespace: 'shop', name: 'web-1' }],
    ['web-1:8080', { kind: 'name', name: 'web-1', port: { kind: 'number', port: 8080 } }],
    ['db.prod.svc.cluster.local:5432', { kind: 'name', name: 'db.prod.svc.cluster.local', port: { kind: 'number', port: 5432 } }],
    ['dns:web-1:80', { kind: 'dns', name: 'web-1', port: { kind: 'number', port: 80 } }],
    ['10.244.1.10', { kind: 'address', ip: '10.244.1.10' }],
    ['10.244.1.10:8080', { kind: 'address', ip: '10.244.1.10', port: 8080 }],
    ['[fd00::10]:8080', { kind: 'address', ip: 'fd00::10', port: 8080 }],
    ['fd00::10', { kind: 'address', ip: 'fd00::10' }],
    ['ingress/shop', { kind: 'ingress', namespace: 'default', name: 'shop' }],
    ['ing/prod/shop', { kind: 'ingress', namespace: 'prod', name: 'shop' }],
  ];
  for (const [text, spec] of cases) it(text, () => expect(parseDestination(text, 'default')).toEqual(spec));

  it('digits and dots are never a host name nor a loosely written address (10 is not 0.0.0.10)', () => {
    expect(parseDestination('10.1:80', 'default')).toMatchObject({ kind: 'pod', name: '10.1' });
    expect(parseDestination('10', 'default')).toMatchObject({ kind: 'pod', name: '10' });
  });

  it('a word that is no host name is a pod (its lookup then says what exists)', () => {
    expect(parseDestination('Web_1', 'default')).toEqual({ kind: 'pod', namespace: 'default', name: 'Web_1' });
  });

  it('dns: with something that is no DNS name is refused, naming it', () => {
    expect(() => parseDestination('dns:a_b', 'default')).toThrow(UserError);
    expect(() => parseDestination('dns:a_b', 'default')).toThrow(/a_b is not a DNS name/);
  });

  it('written back for messages as the user would type it', () => {
    expect(destinationText(parseDestination('[fd00::10]:8080', 'x'))).toBe('[fd00::10]:8080');
    expect(destinationText(parseDestination('svc/web:http', 'shop'))).toBe('svc/shop/web:http');
  });
});

describe('SRC parsed once', () => {
  it('pods, nodes, workloads and outside clients', () => {
    expect(parseSource('client', 'default')).toEqual({ kind: 'pod', namespace: 'default', name: 'client' });
    expect(parseSource('pod/shop/client', 'default')).toEqual({ kind: 'pod', namespace: 'shop', name: 'client' });
    expect(parseSource('node/node-a', 'default')).toEqual({ kind: 'node', name: 'node-a' });
    expect(parseSource('deploy/web', 'shop')).toEqual({ kind: 'workload', workload: 'Deployment', namespace: 'shop', name: 'web' });
    expect(parseSource('external:203.0.113.9', 'default')).toMatchObject({ kind: 'external', ip: '203.0.113.9' });
  });
});
