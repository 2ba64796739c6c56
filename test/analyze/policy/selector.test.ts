/** Label selector truth table (metav1.LabelSelector as NetworkPolicy uses it): every operator × label state. */
import { describe, expect, it } from 'vitest';
import { matchSelector, selectorText, type LabelSelector } from '../../../src/analyze/policy/selector.js';

const STATES: Record<string, Record<string, string>> = {
  'key absent': {},
  'key=a': { k: 'a' },
  'key=z': { k: 'z' },
};
/** Expected per operator with values [a, b], for the three states above (docs/apimachinery semantics). */
const TABLE: { op: string; values?: string[]; expect: [boolean, boolean, boolean] }[] = [
  { op: 'In', values: ['a', 'b'], expect: [false, true, false] },
  { op: 'NotIn', values: ['a', 'b'], expect: [true, false, true] },
  { op: 'Exists', expect: [false, true, true] },
  { op: 'DoesNotExist', expect: [true, false, false] },
];

describe('matchExpressions operators', () => {
  const cases = TABLE.flatMap((t) => Object.entries(STATES).map(([state, labels], i) => ({ name: `${t.op} ${t.values?.join(',') ?? ''} on ${state}`, t, labels, want: t.expect[i]! })));
  it.each(cases)('$name → $want', ({ t, labels, want }) => {
    const r = matchSelector({ matchExpressions: [{ key: 'k', operator: t.op, ...(t.values ? { values: t.values } : {}) }] }, { labels, known: 'all' });
    expect(r.match).toBe(want ? 'yes' : 'no');
    expect(r.invalid).toBeUndefined();
  });
});

describe('selector combinations', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each([
    { name: 'empty selector {} selects everything', sel: {}, want: 'yes' },
    { name: 'matchLabels all equal', sel: { matchLabels: { app: 'web', tier: 'front' } }, want: 'yes' },
    { name: 'matchLabels one differs', sel: { matchLabels: { app: 'web', tier: 'back' } }, want: 'no' },
    { name: 'matchLabels AND matchExpressions both hold', sel: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, want: 'yes' },
    { name: 'matchLabels holds, expression fails → AND fails', sel: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, want: 'no' },
    { name: 'every expression must hold', sel: { matchExpressions: [{ key: 'app', operator: 'Exists' }, { key: 'gone', operator: 'Exists' }] }, want: 'no' },
    { name: 'label values are case-sensitive', sel: { matchLabels: { app: 'Web' } }, want: 'no' },
    { name: 'empty matchLabels and empty matchExpressions = {}', sel: { matchLabels: {}, matchExpressions: [] }, want: 'yes' },
  ])('$name', ({ sel, want }) => expect(matchSelector(sel as LabelSelector, { labels, known: 'all' }).match).toBe(want));

  it('unknown labels (namespace not captured) give maybe, known ones decide', () => {
    const set = { labels: { 'kubernetes.io/metadata.name': 'x' }, known: new Set(['kubernetes.io/metadata.name']) };
    expect(matchSelector({ matchLabels: { team: 'a' } }, set).match).toBe('maybe');
    expect(matchSelector({ matchLabels: { 'kubernetes.io/metadata.name': 'x' } }, set).match).toBe('yes');
    expect(matchSelector({ matchLabels: { 'kubernetes.io/metadata.name': 'y', team: 'a' } }, set).match).toBe('no');
    expect(matchSelector({}, set).match).toBe('yes');
  });

  it.each([
    { name: 'unknown operator', e: { key: 'k', operator: 'Equals', values: ['a'] } },
    { name: 'In without values', e: { key: 'k', operator: 'In', values: [] } },
    { name: 'Exists with values', e: { key: 'k', operator: 'Exists', values: ['a'] } },
  ])('invalid requirement ($name) matches nothing and says why', ({ e }) => {
    const r = matchSelector({ matchExpressions: [e] }, { labels: { k: 'a' }, known: 'all' });
    expect(r.match).toBe('no');
    expect(r.invalid).toMatch(/k/);
  });

  it('prints selectors for reasons', () => {
    expect(selectorText({})).toBe('all');
    expect(selectorText({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['d', 'e'] }, { key: 'f', operator: 'DoesNotExist' }] })).toBe('a=b,c notin (d,e),!f');
  });
});
