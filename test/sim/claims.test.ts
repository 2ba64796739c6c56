import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { narrowestClaim } from '../../src/sim/claims.js';
import { makeWorld, type ClusterRange } from '../../src/sim/world.js';
import { inPrefix, prefixLen } from '../../src/util/addr.js';

/** The plain reading of "the narrowest claim, the first listed of equals": every claim tried, in order. */
function byScan(ranges: ClusterRange[], addr: string): ClusterRange | undefined {
  const len = (cidr: string) => (cidr.includes('/') ? prefixLen(cidr) : cidr.includes(':') ? 128 : 32);
  return ranges.filter((r) => inPrefix(addr, r.cidr)).sort((a, b) => len(b.cidr) - len(a.cidr))[0];
}

// A small address space, so that claims overlap and repeat: bare addresses, /32s, ranges, IPv6 spellings, junk.
const octet = fc.constantFrom(0, 1, 2, 255);
const v4 = fc.tuple(octet, octet).map(([a, b]) => `10.96.${a}.${b}`);
const v6 = fc.constantFrom('fd00::1', 'fd00:0:0::1', 'FD00::1', 'fd00::2', 'fd00::', '::ffff:10.96.0.1');
const addr = fc.oneof(v4, v6, fc.constantFrom('010.96.0.1', '10.96.0', 'default', ''));
const claim = fc.oneof(
  addr,
  fc.tuple(v4, fc.constantFrom(8, 16, 24, 31, 32)).map(([a, l]) => `${a}/${l}`),
  fc.tuple(v6, fc.constantFrom(64, 120, 128)).map(([a, l]) => `${a}/${l}`),
);

describe('narrowestClaim', () => {
  it('names what a scan of every claim names: the narrowest, the first listed of equals', () => {
    fc.assert(
      fc.property(fc.array(claim, { maxLength: 12 }), fc.array(addr, { minLength: 1, maxLength: 6 }), (cidrs, addrs) => {
        const ranges = cidrs.map((cidr, i) => ({ cidr, what: `claim ${i}` }));
        const world = makeWorld([], [], {}, true, ranges);
        for (const a of addrs) expect(narrowestClaim(world, a), a).toBe(byScan(ranges, a));
      }),
      { numRuns: 2000 },
    );
  });

  it("a Service's own address wins over the service range, whichever is listed first", () => {
    const ranges = [
      { cidr: '10.96.0.0/12', what: 'the service range' },
      { cidr: '10.96.0.10', what: 'an address of service kube-system/kube-dns' },
    ];
    expect(narrowestClaim(makeWorld([], [], {}, true, ranges), '10.96.0.10')?.what).toBe('an address of service kube-system/kube-dns');
    expect(narrowestClaim(makeWorld([], [], {}, true, [...ranges].reverse()), '10.96.0.10')?.what).toBe('an address of service kube-system/kube-dns');
    expect(narrowestClaim(makeWorld([], [], {}, true, ranges), '10.96.0.11')?.what).toBe('the service range');
    expect(narrowestClaim(makeWorld([], [], {}, true, ranges), '10.95.0.11')).toBeUndefined();
  });
});
