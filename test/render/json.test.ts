import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { canonical, renderJson } from '../../src/render/json.js';
import { renderYaml } from '../../src/render/yaml.js';
import { analyzeCidr } from '../../src/analyze/cidr/index.js';
import { kindSnapshot } from '../support/fixtures-cidr/kind-snapshot.js';

describe('renderJson / renderYaml', () => {
  it('sorts keys at every level, keeps array order, drops undefined, writes bigint as text', () => {
    const v = { b: 1, a: { d: [3, 1, 2], c: undefined, e: 10n }, kind: 'X' };
    expect(renderJson(v)).toBe('{\n  "a": {\n    "d": [\n      3,\n      1,\n      2\n    ],\n    "e": "10"\n  },\n  "b": 1,\n  "kind": "X"\n}\n');
    expect(Object.keys(canonical({ z: 1, y: 2 }) as object)).toEqual(['y', 'z']);
  });

  it('the same report in either key order renders identically', () => {
    expect(renderJson({ a: 1, b: { c: 2, d: 3 } })).toBe(renderJson({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('a CidrReport round-trips through JSON and YAML to the same data', () => {
    const report = analyzeCidr(kindSnapshot());
    const json = JSON.parse(renderJson(report));
    expect(json).toEqual(JSON.parse(JSON.stringify(report)));
    expect(parseYaml(renderYaml(report))).toEqual(json);
  });

  it('yaml does not fold long strings', () => {
    const long = 'x '.repeat(200).trim();
    expect(renderYaml({ m: long }).trim().split('\n')).toHaveLength(1);
  });
});
