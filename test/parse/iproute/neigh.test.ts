import { describe, expect, it } from 'vitest';
import { parseIpNeigh } from '../../../src/parse/iproute/neigh.js';
import { fixture, thrown } from '../fixtures.js';

const src = { source: 'neigh' };

describe('parseIpNeigh', () => {
  it('reads permanent, reachable and IPv6 router entries (kernel fixture)', () => {
    const { value } = parseIpNeigh(fixture('iproute', 'neigh.json'), src);
    expect(value).toEqual([
      { family: 4, dst: '10.244.1.0', dev: 'flannel.1', lladdr: 'aa:bb:cc:dd:ee:01', state: ['PERMANENT'] },
      { family: 4, dst: '192.168.10.1', dev: 'eth0', lladdr: 'aa:bb:cc:dd:ee:02', state: ['REACHABLE'] },
      { family: 6, dst: 'fd00:10::1', dev: 'eth0', lladdr: 'aa:bb:cc:dd:ee:03', state: ['STALE'], router: true },
    ]);
    expect(parseIpNeigh(fixture('iproute', 'neigh.txt'), src).value).toEqual(value);
  });
  it('reads FAILED entries without lladdr and rejects non-addresses', () => {
    expect(parseIpNeigh('10.0.0.9 dev eth0 FAILED\n', src).value[0]).toEqual({ family: 4, dst: '10.0.0.9', dev: 'eth0', state: ['FAILED'] });
    expect(thrown(() => parseIpNeigh('\nfoo dev eth0\n', src))).toMatchObject({ line: 2, column: 1 });
  });
});
