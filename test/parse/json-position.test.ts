import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonErrorOffset } from '../../src/parse/json-position.js';
import { parseJsonText } from '../../src/parse/text.js';
import { FUZZ_RUNS, thrown } from './fixtures.js';

const v8Accepts = (t: string): boolean => {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
};

describe('jsonErrorOffset', () => {
  it('agrees with JSON.parse on what is valid', () => {
    const texts = fc.oneof(fc.json(), fc.string({ maxLength: 60 }), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))), fc.json().map((j) => `${j},`));
    fc.assert(fc.property(texts, (t) => (jsonErrorOffset(t) === undefined) === v8Accepts(t)), { numRuns: FUZZ_RUNS });
  });
  it('points at the offending character', () => {
    expect(jsonErrorOffset('{"a": }')).toBe(6);
    expect(jsonErrorOffset('[1, 2,]')).toBe(6);
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9);
    expect(jsonErrorOffset('"abc')).toBe(4);
  });
  it('gives parse errors the line and column of V8 messages that carry no position', () => {
    expect(thrown(() => parseJsonText('{\n  "name": }', 'x'))).toMatchObject({ line: 2, column: 11, message: "x line 2 column 11: invalid JSON: Unexpected token '}'" });
  });
});
