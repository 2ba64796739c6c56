/** The test API server's own logic: selectors as the real API server evaluates them, and its Status wording. */
import { describe, expect, it } from 'vitest';
import { readCorpus } from './corpus.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './api-server/selectors.js';
import { clusterIpOutOfRange, forbidden } from './api-server/status.js';
import { BUILTIN } from './api-server/resources.js';
import { includeObjectPolicy, renderingFor, renderList } from './api-server/views.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'app.kubernetes.io/name': 'shop' };
  const cases: [string, boolean][] = [
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app notin (web,db)', false],
    ['missing notin (a)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier in (front),!missing', true],
    ['app.kubernetes.io/name=shop', true],
    ['app=web,tier=back', false],
  ];
  it.each(cases)('%s → %s', (sel, expected) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(expected);
  });
  it('rejects what the API server rejects', () => {
    expect(() => parseLabelSelector('a in b')).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  const supported = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];
  it('matches = and !=', () => {
    expect(matchesFields(parseFieldSelector('spec.nodeName=n1,status.phase!=Pending', supported), pod)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.namespace==other', supported), pod)).toBe(false);
  });
  it('refuses unsupported fields with the API server wording', () => {
    expect(() => parseFieldSelector('spec.nodeName=n1', ['metadata.name'])).toThrow('field label not supported: spec.nodeName');
  });
});

describe('wording', () => {
  it('words the out-of-range clusterIP like a real API server', () => {
    const real = readCorpus('k8s-objects', 'apiserver-error-clusterip-out-of-range.v4-k3s-the-provided-IP.txt').trim();
    const ours = clusterIpOutOfRange('test', '1.1.1.1', '10.43.0.0/16');
    expect(real).toBe(`error: failed to create ClusterIP service: ${ours.message}`);
    expect(ours).toMatchObject({ code: 422, reason: 'Invalid', details: { causes: [{ field: 'spec.clusterIPs' }] } });
  });
  it('words RBAC refusals like kube-apiserver', () => {
    expect(forbidden('jane', 'list', 'pods', '', undefined).message).toBe('pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope');
    expect(forbidden('jane', 'get', 'configmaps', '', 'kube-system', 'kube-proxy').message).toBe(
      'configmaps "kube-proxy" is forbidden: User "jane" cannot get resource "configmaps" in API group "" in the namespace "kube-system"',
    );
    expect(forbidden('jane', 'delete', 'jobs', 'batch', 'ns', 'x')).toMatchObject({
      message: 'jobs.batch "x" is forbidden: User "jane" cannot delete resource "jobs" in API group "batch" in the namespace "ns"',
      details: { name: 'x', group: 'batch', kind: 'jobs' },
    });
  });
  it('picks the first media type it serves from Accept', () => {
    expect(renderingFor('application/json;as=Table;v=v1;g=meta.k8s.io,application/json')).toBe('table');
    expect(renderingFor('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io')).toBe('metadata');
    expect(renderingFor('application/json')).toBe('list');
    expect(renderingFor(undefined)).toBe('list');
  });
  it('renders Table rows per includeObject: cells only, metadata, or the whole object', () => {
    const pods = BUILTIN.find((r) => r.resource === 'pods')!;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'n', managedFields: [] }, spec: { nodeName: 'w1' }, status: { phase: 'Running', podIP: '10.0.0.5' } };
    type Rows = { rows: { cells: unknown[]; object?: Record<string, unknown> }[] };
    const none = renderList(pods, [pod], 'table', {}, 'None') as Rows;
    expect(none.rows).toEqual([{ cells: ['a', '1/1', 'Running', '0', '5m', '10.0.0.5', 'w1', '<none>', '<none>'] }]);
    const meta = renderList(pods, [pod], 'table', {}) as Rows;
    expect(meta.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    const whole = renderList(pods, [pod], 'table', {}, 'Object') as Rows;
    expect(whole.rows[0]!.object).toMatchObject({ kind: 'Pod', spec: { nodeName: 'w1' } });
    expect(includeObjectPolicy(null)).toBe('Metadata');
    expect(includeObjectPolicy('none')).toBeUndefined();
  });
});
