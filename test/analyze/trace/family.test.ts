/** Dual-stack family choice: --family, the source's primary family, and a DST typed as an address. */
import { describe, expect, it } from 'vitest';
import { pickFamily } from '../../../src/analyze/trace/family.js';

describe('pickFamily', () => {
  const client = ['10.244.0.10', 'fd00:10:244::10'];
  const web1 = ['10.244.1.10', 'fd00:10:244:1::10'];

  it('both ends dual-stack: the source primary family, or --family', () => {
    expect(pickFamily({ src: 'client', srcIps: client, dst: 'pod/web-1', dstIps: web1 })).toBe(4);
    expect(pickFamily({ src: 'client', srcIps: client, dst: 'pod/web-1', dstIps: web1 }, 6)).toBe(6);
  });

  it('a DST typed as an IPv6 address (only that address is the destination) is IPv6; --family 4 then names the conflict', () => {
    const dst = '[fd00:10:244:1::10]:8080';
    expect(pickFamily({ src: 'client', srcIps: client, dst, dstIps: ['fd00:10:244:1::10'] })).toBe(6);
    expect(() => pickFamily({ src: 'client', srcIps: client, dst, dstIps: ['fd00:10:244:1::10'] }, 4)).toThrowError(/has no IPv4 address \(fd00:10:244:1::10\)/);
  });
});
