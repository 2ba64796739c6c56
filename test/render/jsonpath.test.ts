/** kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath), as -o jsonpath prints them. */
import { describe, expect, it } from 'vitest';
import { compileJsonPath, evaluateJsonPath, JsonPathError, selectJsonPath } from '../../src/render/jsonpath.js';

const doc = {
  disposition: 'dropped',
  source: { name: 'default/client', ip: '10.244.0.10' },
  branches: [
    { probability: 0.5, disposition: 'delivered', endpoint: { pod: 'default/web-0', port: 8080 } },
    { probability: 0.25, disposition: 'dropped', endpoint: { pod: 'default/web-1', port: 8080 } },
    { probability: 0.25, disposition: 'delivered', endpoint: { pod: 'default/web-2', port: 8080 } },
  ],
  metadata: { annotations: { 'kubernetes.io/psp': 'restricted' } },
};
const run = (t: string) => evaluateJsonPath(compileJsonPath(t), doc);

describe('JSONPath templates', () => {
  it('fields, and text around actions', () => {
    expect(run('{.disposition}')).toBe('dropped');
    expect(run('src={.source.name} ip={.source.ip}')).toBe('src=default/client ip=10.244.0.10');
    expect(run('{$.source.ip}')).toBe('10.244.0.10');
  });

  it('wildcards and indexes print every value separated by spaces', () => {
    expect(run('{.branches[*].endpoint.pod}')).toBe('default/web-0 default/web-1 default/web-2');
    expect(run('{.branches[0].probability}')).toBe('0.5');
    expect(run('{.branches[-1].endpoint.pod}')).toBe('default/web-2');
    expect(run('{.branches[0:2].disposition}')).toBe('delivered dropped');
    expect(run('{.branches[::2].endpoint.pod}')).toBe('default/web-0 default/web-2');
  });

  it('filters, recursive descent, escaped dots, unions', () => {
    expect(run('{.branches[?(@.disposition=="dropped")].endpoint.pod}')).toBe('default/web-1');
    expect(run("{.branches[?(@.probability<0.5)].endpoint.pod}")).toBe('default/web-1 default/web-2');
    expect(run('{.branches[?(@.endpoint)].disposition}')).toBe('delivered dropped delivered');
    expect(run('{..pod}')).toBe('default/web-0 default/web-1 default/web-2');
    expect(run('{.metadata.annotations.kubernetes\\.io/psp}')).toBe('restricted');
    expect(run("{.source['name','ip']}")).toBe('default/client 10.244.0.10');
  });

  it('range … end with literals', () => {
    expect(run('{range .branches[*]}{.endpoint.pod}{"\\t"}{.disposition}{"\\n"}{end}')).toBe('default/web-0\tdelivered\ndefault/web-1\tdropped\ndefault/web-2\tdelivered\n');
  });

  it('objects print as JSON; a missing key prints nothing (kubectl --allow-missing-template-keys)', () => {
    expect(run('{.source}')).toBe('{"name":"default/client","ip":"10.244.0.10"}');
    expect(run('{.nothing.here}')).toBe('');
  });

  it('a template without braces is one action (.disposition)', () => {
    expect(run('.disposition')).toBe('dropped');
  });

  it('-o jsonpath-as-json selects values', () => {
    expect(selectJsonPath(compileJsonPath('{.branches[*].endpoint.port}'), doc)).toEqual([8080, 8080, 8080]);
  });

  it('bad templates say what is wrong', () => {
    expect(() => compileJsonPath('{.a')).toThrow(JsonPathError);
    expect(() => compileJsonPath('{range .a[*]}{.b}')).toThrow(/range.*without.*end/);
    expect(() => compileJsonPath('{end}')).toThrow(/end.*without.*range/);
    expect(() => compileJsonPath('{.a[?(@.b == nope)]}')).toThrow(/cannot read the value/);
  });
});
