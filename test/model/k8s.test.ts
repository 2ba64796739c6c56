import { describe, expect, it } from 'vitest';
import { nsName } from '../../src/model/k8s.js';

describe('nsName: how findings and steps name an object', () => {
  it('a namespaced object is namespace/name, a cluster-scoped one its name alone', () => {
    expect(nsName({ metadata: { namespace: 'prod', name: 'web' } })).toBe('prod/web');
    expect(nsName({ metadata: { name: 'node-a' } })).toBe('node-a');
    expect(nsName({ metadata: { namespace: '', name: 'node-a' } })).toBe('node-a');
  });
  it('a missing name or metadata never throws: it names what is known', () => {
    expect(nsName({ metadata: { namespace: 'prod' } })).toBe('prod/');
    expect(nsName({})).toBe('');
  });
});
