/**
 * The address module against ipaddr.js itself (the library it wraps) and against the kernel's rules for prefixes:
 * containment is ipaddr's `match` on the same family, the bigint form round-trips, every IPv6 spelling of one
 * address is the same address.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  addrFromBigInt,
  addrKey,
  addrToBigInt,
  compactIPv6,
  familyOf,
  inPrefix,
  ipv4Int,
  isCidr,
  isDottedQuad,
  isIp,
  isIPv6,
  isPrefix,
  maskLength,
  plainQuad,
  prefixLen,
  sameAddr,
  unmapIPv4,
} from '../../src/util/addr.js';

const v4 = fc.ipV4();
const v6 = fc.ipV6();
const cidr4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`);
const cidr6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, l]) => `${a}/${l}`);
/** An address inside a prefix: the prefix's network with random host bits. */
const inside = (bits: 32 | 128) =>
  fc.tuple(fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }), fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }), fc.integer({ min: 0, max: bits })).map(([net, host, len]) => {
    const hostBits = BigInt(bits - len);
    const mask = (1n << hostBits) - 1n;
    const family = bits === 32 ? 4 : 6;
    return { cidr: `${addrFromBigInt(net, family)}/${len}`, addr: addrFromBigInt((net & ~mask) | (host & mask), family) };
  });

describe('util/addr', () => {
  it('inPrefix agrees with ipaddr.js match, IPv4 and IPv6', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(v4, cidr4), fc.tuple(v6, cidr6), fc.tuple(v4, cidr6), fc.tuple(v6, cidr4)), ([a, c]) => {
        const addr = ipaddr.parse(a);
        const [net, len] = ipaddr.parseCIDR(c);
        expect(inPrefix(a, c)).toBe(addr.kind() === net.kind() && addr.match(net, len));
      }),
    );
  });

  it('an address with the network bits of a prefix is inside it, whatever its host bits', () => {
    fc.assert(fc.property(fc.oneof(inside(32), inside(128)), ({ cidr, addr }) => {
      expect(inPrefix(addr, cidr)).toBe(true);
    }));
  });

  it('a bare address is its own host prefix; default and malformed text are no prefix', () => {
    expect(inPrefix('10.0.0.1', '10.0.0.1')).toBe(true);
    expect(inPrefix('10.0.0.2', '10.0.0.1')).toBe(false);
    expect(prefixLen('10.0.0.1')).toBe(32);
    expect(prefixLen('fd00::1')).toBe(128);
    expect(prefixLen('10.0.0.0/8')).toBe(8);
    expect(isPrefix('default')).toBe(false);
    expect(isPrefix('10.0.0.0/33')).toBe(false);
    expect(inPrefix('10.0.0.1', 'default')).toBe(false);
    expect(isCidr('10.0.0.1')).toBe(false);
    expect(isCidr('10.0.0.0/8')).toBe(true);
    expect(isCidr('fd00::/129')).toBe(false);
  });

  it('the bigint form round-trips and orders addresses numerically', () => {
    fc.assert(fc.property(v4, (a) => {
      expect(addrFromBigInt(addrToBigInt(a), 4)).toBe(a);
    }));
    fc.assert(fc.property(v6, (a) => {
      expect(addrFromBigInt(addrToBigInt(a), 6)).toBe(ipaddr.IPv6.parse(a).toRFC5952String());
    }));
    expect(addrToBigInt('0.0.1.0')).toBe(256n);
    expect(addrToBigInt('::1:0')).toBe(65536n);
    expect(() => addrToBigInt('nope')).toThrow(/not an IP address/);
  });

  it('every spelling of an IPv6 address is the same address, with one key and one compact form', () => {
    fc.assert(
      fc.property(v6, (a) => {
        const full = ipaddr.IPv6.parse(a).toNormalizedString();
        expect(sameAddr(a, full)).toBe(true);
        expect(addrKey(a)).toBe(addrKey(full));
        expect(compactIPv6(full)).toBe(ipaddr.IPv6.parse(a).toRFC5952String());
      }),
    );
    expect(sameAddr('2001:DB8::1', '2001:db8:0:0:0:0:0:1')).toBe(true);
    expect(sameAddr('10.0.0.1', '10.0.0.01')).toBe(false);
    expect(sameAddr('::ffff:10.0.0.1', '10.0.0.1')).toBe(false);
    expect(compactIPv6('10.0.0.1')).toBeUndefined();
    expect(addrKey('not an address')).toBe('not an address');
  });

  it('IPv4-mapped IPv6 is the IPv4 address on the wire; other text is left alone', () => {
    expect(unmapIPv4('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(unmapIPv4('fd00::1')).toBe('fd00::1');
    expect(unmapIPv4('10.1.2.3')).toBe('10.1.2.3');
    expect(unmapIPv4('junk')).toBe('junk');
  });

  it('netmasks: contiguous ones only', () => {
    expect(maskLength('255.255.0.0')).toBe(16);
    expect(maskLength('0.0.0.0')).toBe(0);
    expect(maskLength('255.0.255.0')).toBeUndefined();
    expect(maskLength('junk')).toBeUndefined();
  });

  it("isDottedQuad is ipaddr.js's isValidFourPartDecimal, on addresses and near misses", () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '007', '', 'x', '-1', ' 1', '1 ', '0x1', '1e2'));
    const text = fc.oneof(v4, fc.array(part, { minLength: 1, maxLength: 6 }).map((ps) => ps.join('.')), fc.string());
    fc.assert(
      fc.property(text, (t) => {
        expect(isDottedQuad(t), JSON.stringify(t)).toBe(ipaddr.IPv4.isValidFourPartDecimal(t));
      }),
      { numRuns: 5000 },
    );
    expect(isDottedQuad('1.2.3.4\n')).toBe(false);
  });

  it('the three IPv4 syntaxes: what the kernel prints, what users write, what the API server accepts', () => {
    // ipaddr.js (and inet_aton) read the short and octal forms; a user's `10` is a name, not 0.0.0.10.
    expect(isIp('10')).toBe(true);
    expect(isDottedQuad('10')).toBe(false);
    expect(isDottedQuad('010.0.0.1')).toBe(false);
    expect(ipv4Int('010.0.0.1')).toBe(0x0a000001);
    expect(plainQuad('010.0.0.1')).toBe(-1);
    fc.assert(
      fc.property(v4, (a) => {
        const n = Number(addrToBigInt(a));
        expect(plainQuad(a)).toBe(n);
        expect(ipv4Int(a)).toBe(n);
        expect(isDottedQuad(a)).toBe(true);
        expect(familyOf(a)).toBe(4);
      }),
    );
    fc.assert(fc.property(fc.string({ maxLength: 16 }), (s) => {
      expect(plainQuad(s) >= 0).toBe(ipaddr.IPv4.isValidFourPartDecimal(s));
    }));
  });

  it('IPv6 validity is ipaddr.js’s, zone ids included', () => {
    fc.assert(fc.property(v6, (a) => {
      expect(isIPv6(a) && isIp(a) && familyOf(a) === 6).toBe(true);
    }));
    expect(isIPv6('fe80::1%eth0')).toBe(true);
    expect(isIPv6('10.0.0.1')).toBe(false);
  });
});
