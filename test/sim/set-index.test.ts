/** The set index answers every lookup exactly as a scan of the elements in dump order does. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MapElement, Table, Value } from '../../src/model/netfilter.js';
import { contains, lookupMap } from '../../src/sim/compare.js';
import type { SV } from '../../src/sim/selector.js';
import { FUZZ_RUNS } from '../parse/netfilter/support.js';

const TABLE: Table = { family: 'ip', name: 't', origin: 'nft', chains: [], sets: [] };

/** The reference: the first element whose key contains the value, scanning in order. */
function scan(sv: SV, elements: MapElement[]): { element?: MapElement; unsure: boolean } {
  let unsure = false;
  for (const el of elements) {
    const r = contains(sv, el.key, TABLE);
    if (r === true) return { element: el, unsure };
    if (r === undefined) unsure = true;
  }
  return { unsure };
}

const addrs = ['10.96.0.1', '10.96.0.2', '10.0.0.1', 'fd00::1', 'fd00:0::1', '192.0.2.7'];
const atom = fc.oneof(
  fc.constantFrom(...addrs).map((a): Value => ({ kind: 'addr', value: a })),
  fc.constantFrom('10.96.0.0/16', '10.96.0.1/32', 'fd00::/64', 'fd00::1/128').map((p): Value => ({ kind: 'prefix', addr: p.split('/')[0]!, len: Number(p.split('/')[1]) })),
  fc.integer({ min: 0, max: 100 }).map((n): Value => ({ kind: 'int', value: n })),
  fc.constantFrom('tcp', 'udp', 'TCP', 'ipv6-icmp', 'icmpv6', 'ipip', 'established', 'local').map((v): Value => ({ kind: 'symbol', value: v })),
  fc.constantFrom('eth0', 'eth*', 'cni0').map((v): Value => ({ kind: 'string', value: v })),
  fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 })).map(([a, b]): Value => ({ kind: 'range', from: { kind: 'int', value: Math.min(a, b) }, to: { kind: 'int', value: Math.max(a, b) } })),
);
const key = fc.oneof(atom, fc.array(atom, { minLength: 2, maxLength: 3 }).map((parts): Value => ({ kind: 'concat', parts })));
const svAtom: fc.Arbitrary<SV> = fc.oneof(fc.constantFrom(...addrs, 'tcp', 'udp', 'icmpv6', 'ipencap', 'eth0', 'eth1', 'established', '80', ''), fc.integer({ min: 0, max: 100 }), fc.constant(null));
const sv: fc.Arbitrary<SV> = fc.oneof(svAtom, fc.array(svAtom, { minLength: 1, maxLength: 3 }).map((concat): SV => ({ concat })));

describe('set index', () => {
  it('lookupMap equals a scan in dump order (element and unsure flag) on random maps and values', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 30 }), fc.array(sv, { minLength: 1, maxLength: 8 }), (keys, svs) => {
        const elements: MapElement[] = keys.map((k, i) => ({ key: k, value: { kind: 'verdict', verdict: 'goto', target: `c${i}` } }) as MapElement);
        for (const v of svs) expect(lookupMap(v, elements, TABLE)).toEqual(scan(v, elements));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('finds the element of a 10,000-entry service map by its exact key', () => {
    const elements: MapElement[] = Array.from({ length: 10000 }, (_, i) => ({
      key: { kind: 'concat', parts: [{ kind: 'addr', value: `10.96.${i >> 8}.${i & 255}` }, { kind: 'symbol', value: 'tcp' }, { kind: 'int', value: 80 }] },
      value: { kind: 'verdict', verdict: 'goto', target: `service-${i}` },
    }) as MapElement);
    const hit = lookupMap({ concat: ['10.96.39.15', 'tcp', 80] }, elements, TABLE);
    expect(hit.element?.value).toMatchObject({ target: `service-${(39 << 8) + 15}` });
    expect(lookupMap({ concat: ['10.96.39.15', 'udp', 80] }, elements, TABLE)).toEqual({ unsure: false });
  });
});
