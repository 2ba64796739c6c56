import { describe, expect, it } from 'vitest';
import { parseIpAddr } from '../../../src/parse/iproute/addr.js';
import { parseIpLink } from '../../../src/parse/iproute/link.js';
import { parseIpRule } from '../../../src/parse/iproute/rule.js';
import { parseIpRoute } from '../../../src/parse/iproute/route.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';

/** Which parser reads a corpus file, from the command named in its file name. */
const PARSER: [RegExp, (text: string, source: string) => { value: unknown; warnings: unknown[] }][] = [
  [/ip-route/, (t, source) => parseIpRoute(t, { source })],
  [/ip-rule/, (t, source) => parseIpRule(t, { source })],
  [/ip-addr/, (t, source) => parseIpAddr(t, { source })],
  [/ip-link/, (t, source) => parseIpLink(t, { source })],
];

describe('every iproute corpus file', () => {
  it.each(corpusFiles('iproute'))('%s parses without warnings', (f) => {
    const parser = PARSER.find(([re]) => re.test(f));
    expect(parser, `no parser for corpus file ${f}`).toBeDefined();
    const { value, warnings } = parser![1](readCorpus('iproute', f), f);
    expect(warnings).toEqual([]);
    expect(Array.isArray(value) ? value.length : Object.keys(value as object).length).toBeGreaterThan(0);
  });
});
