/** resolv.conf parser: directives with their lines, comments, warnings, and the one fatal case the kubelet shares. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/util/parse-error.js';
import { ndotsOf, parseResolvConf } from '../../src/parse/resolv-conf.js';
import { FUZZ_RUNS, thrown } from './fixtures.js';

const src = { source: 'node-a:/etc/resolv.conf' };
/** The stub file systemd-resolved writes (its comment header shortened). */
const STUB = '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n# Do not edit.\n\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch ec2.internal\n';

describe('parseResolvConf', () => {
  it('keeps every directive with its line; comments and blank lines are skipped', () => {
    const { value, warnings } = parseResolvConf(STUB, src);
    expect(warnings).toEqual([]);
    expect(value).toEqual({
      nameservers: [{ value: '127.0.0.53', line: 4 }],
      searches: [{ value: ['ec2.internal'], line: 6 }],
      domains: [],
      options: [{ value: [{ name: 'edns0' }, { name: 'trust-ad' }], line: 5 }],
    });
  });

  it('records repeated lines in order (what wins is the reader’s rule), inline comments end a line, CRLF is fine', () => {
    const { value } = parseResolvConf('nameserver 10.0.0.2 # corp\r\nnameserver fd00::53\nsearch a.example b.example.\nsearch c.example ; last\ndomain corp.example\noptions ndots:2\noptions timeout:1 rotate\n', src);
    expect(value.nameservers.map((n) => n.value)).toEqual(['10.0.0.2', 'fd00::53']);
    expect(value.searches).toEqual([{ value: ['a.example', 'b.example.'], line: 3 }, { value: ['c.example'], line: 4 }]);
    expect(value.domains).toEqual([{ value: 'corp.example', line: 5 }]);
    expect(value.options.map((o) => o.line)).toEqual([6, 7]);
    expect(ndotsOf(value.options.flatMap((o) => o.value))).toBe(2);
    expect(ndotsOf([{ name: 'ndots', value: 'x' }])).toBeUndefined();
  });

  it('warns, without failing, on what resolvers skip: unknown keywords, non-address nameservers, bad numbers', () => {
    const { value, warnings } = parseResolvConf('lookup file bind\nnameserver dns.corp\noptions ndots:five\nsortlist 10.0.0.0/255.0.0.0\n', src);
    expect(warnings.map((w) => [w.code, w.line])).toEqual([['unknown-keyword', 1], ['bad-nameserver', 2], ['bad-option', 3]]);
    expect(value.nameservers).toEqual([{ value: 'dns.corp', line: 2 }]);
  });

  it('a nameserver line without an address is a ParseError with line and column (the kubelet refuses such a file)', () => {
    const e = thrown(() => parseResolvConf('search a\n  nameserver\n', src)) as ParseError;
    expect(e).toBeInstanceOf(ParseError);
    expect(e).toMatchObject({ line: 2, column: 3 });
    expect(e.message).toMatch(/^node-a:\/etc\/resolv.conf line 2 column 3: nameserver line without an address/);
    expect(thrown(() => parseResolvConf('nameserver 1.1.1.1\n\0\0', src))).toMatchObject({ line: 2 });
  });

  it('random and mutated text throws nothing but ParseError', () => {
    const seeds = [STUB, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n'];
    const mutated = fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.string({ maxLength: 12 })).map(([s, at, extra]) => s.slice(0, at % s.length) + extra + s.slice(at % s.length));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutated), (t) => {
        try {
          parseResolvConf(t, src);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
