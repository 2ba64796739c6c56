import { describe, expect, it } from 'vitest';
import { CidrIndex, contains, overlaps, parseCidr, parseCidrList, parseIp, size, usableHostLocal, within } from '../../../src/analyze/cidr/ipmath.js';

const c = (t: string) => {
  const x = parseCidr(t);
  if (!x) throw new Error(`bad ${t}`);
  return x;
};

describe('ipmath', () => {
  it('parses CIDRs to canonical networks, flags host bits', () => {
    expect(c('10.244.1.7/24')).toMatchObject({ text: '10.244.1.0/24', family: 4, prefix: 24, hostBitsSet: true });
    expect(c('2001:db8:42:1000::/64')).toMatchObject({ text: '2001:db8:42:1000::/64', family: 6, hostBitsSet: false });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(parseCidr('10/8')).toBeUndefined();
    expect(parseCidr('fe80::1%eth0/64')).toBeUndefined();
  });

  it('sizes and host-local usable counts, IPv6 beyond Number range', () => {
    expect(size(c('10.0.0.0/24'))).toBe(256n);
    expect(usableHostLocal(c('10.0.0.0/24'))).toBe(253n);
    expect(usableHostLocal(c('10.0.0.0/31'))).toBe(0n);
    expect(usableHostLocal(c('fd00::/64'))).toBe(2n ** 64n - 2n);
  });

  it('containment and overlap per family', () => {
    const ip4 = parseIp('10.244.1.5');
    const ip6 = parseIp('2001:db8:42:1001::4');
    expect(ip4 && contains(c('10.244.1.0/24'), ip4)).toBe(true);
    expect(ip4 && contains(c('10.244.0.0/24'), ip4)).toBe(false);
    expect(ip6 && contains(c('2001:db8:42:1001::/64'), ip6)).toBe(true);
    expect(ip6 && contains(c('10.0.0.0/0'), ip6)).toBe(false);
    expect(overlaps(c('10.96.0.0/12'), c('10.100.0.0/16'))).toBe(true);
    expect(overlaps(c('10.96.0.0/12'), c('10.244.0.0/16'))).toBe(false);
    expect(within(c('10.244.3.0/24'), c('10.244.0.0/16'))).toBe(true);
    expect(within(c('10.245.3.0/24'), c('10.244.0.0/16'))).toBe(false);
  });

  it('splits dual-stack lists and keeps invalid parts', () => {
    const r = parseCidrList('10.244.0.0/16, fd00:10:244::/56,bogus');
    expect(r.cidrs.map((x) => x.text)).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']);
    expect(r.invalid).toEqual(['bogus']);
  });
});

describe('parseIp fast path agrees with ipaddr.js', () => {
  it.each(['0.0.0.0', '10.244.1.5', '255.255.255.255', '192.168.0.1'])('%s', (t) => {
    expect(parseIp(t)?.value).toBe(BigInt(t.split('.').reduce((n, o) => n * 256 + Number(o), 0)));
  });
  it.each(['256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', ' ', 'a.b.c.d'])('rejects %s', (t) => {
    expect(parseIp(t)).toBeUndefined();
  });
});

describe('CidrIndex', () => {
  const idx = new CidrIndex(['10.0.0.0/8', '10.5.0.0/24', '10.9.0.0/24', '192.168.0.0/16', 'fd00::/64'].map((t) => ({ cidr: c(t), value: t })));
  it.each([
    ['10.5.0.7', '10.5.0.0/24'],
    ['10.9.0.1', '10.9.0.0/24'],
    ['10.7.0.1', '10.0.0.0/8'],
    ['192.168.3.4', '192.168.0.0/16'],
    ['fd00::9', 'fd00::/64'],
    ['11.0.0.1', undefined],
    ['fd01::1', undefined],
    ['9.255.255.255', undefined],
  ])('%s → %s', (ip, want) => {
    const p = parseIp(ip);
    expect(p && idx.find(p)?.value).toBe(want);
  });
});
