/** Ingress routing (networking.k8s.io/v1 semantics) and the trace from the controller pod to the chosen backend. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest, type TraceRequest } from '../../../src/analyze/trace/index.js';
import { routeIngress, type IngressView } from '../../../src/analyze/trace/ingress-rules.js';
import { tracePlan } from '../../../src/analyze/trace/plan.js';
import { REPO_ROOT } from '../../support/corpus.js';

const be = (name: string, port: number | string) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
const SHOP: IngressView = {
  metadata: { namespace: 'default', name: 'shop' },
  spec: {
    defaultBackend: be('fallback', 80),
    rules: [
      { host: 'shop.example.com', http: { paths: [
        { path: '/', pathType: 'Prefix', backend: be('web', 80) },
        { path: '/api', pathType: 'Prefix', backend: be('api', 8080) },
        { path: '/api/v2', pathType: 'Exact', backend: be('api-v2', 'http') },
        { path: '/legacy', pathType: 'ImplementationSpecific', backend: be('legacy', 80) },
      ] } },
      { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild', 80) }] } },
      { http: { paths: [{ path: '/health', pathType: 'Exact', backend: be('health', 80) }] } },
    ],
  },
};
const svcOf = (host: string, p: string) => routeIngress(SHOP, host, p).backend?.service.replace('default/', '') ?? '(none)';

describe('Ingress rules: host and path matching', () => {
  it.each([
    ['shop.example.com', '/', 'web'],
    ['shop.example.com', '/cart', 'web'],
    ['shop.example.com', '/api', 'api'],
    ['shop.example.com', '/api/', 'api'],
    ['shop.example.com', '/api/users', 'api'],
    ['shop.example.com', '/apis', 'web'], // element-wise prefix: /api does not match /apis
    ['shop.example.com', '/api/v2', 'api-v2'], // longest match (Exact)
    ['shop.example.com', '/api/v2/x', 'api'], // Exact does not match a longer path
    ['SHOP.example.com', '/api', 'api'], // hosts compare case-insensitively
    ['blog.example.com', '/anything', 'wild'], // wildcard: one label
    ['a.blog.example.com', '/health', 'health'], // wildcard does not match two labels; host-less rule does
    ['example.com', '/health', 'health'],
    ['example.com', '/', 'fallback'], // nothing matches → defaultBackend
  ])('%s%s → %s', (host, p, want) => {
    expect(svcOf(host, p)).toBe(want);
  });

  it('says which rule matched, the port by number or name, and flags ImplementationSpecific', () => {
    expect(routeIngress(SHOP, 'shop.example.com', '/api/v2')).toMatchObject({ matched: expect.stringMatching(/path \/api\/v2 \(Exact, paths\[2\]\)/), backend: { service: 'default/api-v2', port: 'http' } });
    expect(routeIngress(SHOP, 'shop.example.com', '/legacy/x').notes.join()).toMatch(/ImplementationSpecific: judged as Prefix/);
    expect(routeIngress(SHOP, 'x.example.com', '/').notes).toEqual([]);
  });

  it('no match and no default backend: the controller answers itself', () => {
    const r = routeIngress({ metadata: { namespace: 'default', name: 'x' }, spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('a', 80) }] } }] } }, 'b.example.com', '/');
    expect(r.backend).toBeUndefined();
    expect(r.matched).toMatch(/controller answers itself/);
  });
});

describe('trace ingress/NAME', () => {
  const LAB = parseSnapshot(readFileSync(path.join(REPO_ROOT, 'examples/lab-flannel-iptables.snapshot.json'), 'utf8'), 'lab');
  const withIngress = (): Snapshot => ({ ...LAB, cluster: { ...LAB.cluster, objects: { ...LAB.cluster.objects, ingresses: [{ ...SHOP, spec: { ...SHOP.spec, rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('web', 'http') }, { path: '/echo', pathType: 'Prefix', backend: be('echo', 9090) }] } }] } }] } as Snapshot['cluster']['objects'] } });
  // The lab runs no ingress controller: the client pod stands in for it (SRC is whichever pod proxies).
  const trace = (snap: Snapshot, req: Partial<TraceRequest>) => traceRequest(snap, { src: 'client', dst: 'ingress/shop', namespace: 'default', ...req }, { buildNode: buildNodeModel }).traces;

  it('traces from the controller pod to the backend service the rule picks', () => {
    const [t] = trace(withIngress(), { host: 'shop.example.com', path: '/echo/x' });
    expect(t!.destination).toMatchObject({ kind: 'service', name: 'default/echo', port: 9090 });
    expect(t!.disposition).toBe('delivered');
    expect(t!.ingress).toMatchObject({ ingress: 'default/shop', backend: { service: 'default/echo', port: '9090' } });
    expect(trace(withIngress(), { host: 'shop.example.com', path: '/' })[0]!.destination).toMatchObject({ name: 'default/web', port: 80, portName: 'http' });
    const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(JSON.parse(JSON.stringify(t))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('clear errors: no host, no Ingresses in the snapshot, a typo, --host without ingress/', () => {
    expect(() => trace(withIngress(), {})).toThrowError(/needs the request’s host/);
    expect(() => trace(LAB, { host: 'a' })).toThrowError(/holds no Ingresses/);
    expect(() => trace(withIngress(), { dst: 'ingress/shp', host: 'a' })).toThrowError(/ingress default\/shp not found/);
    expect(() => trace(withIngress(), { dst: 'svc/web', host: 'a' })).toThrowError(/DST must be ingress\/NAME/);
  });

  it('the plan asks for Ingresses only for ingress/NAME (optional, so older snapshots load)', () => {
    expect(tracePlan().resources.some((r) => r.resource === 'ingresses')).toBe(false);
    expect(tracePlan({ ingress: true }).resources.find((r) => r.resource === 'ingresses')).toMatchObject({ optional: true });
  });
});
