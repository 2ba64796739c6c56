import { describe, expect, it } from 'vitest';
import { describeGap, gapFor, type StateGap } from '../../src/model/gaps.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import type { DumpResult } from '../../src/snapshot/types.js';

const gap = (over: Partial<StateGap>): StateGap => ({ dump: 'route', cause: 'failed', state: 'routes', reason: 'ip exited 1', ...over });

describe('gapFor: which lost state can decide a question', () => {
  const v4 = gap({ dump: 'route', family: 4 });
  const v6 = gap({ dump: 'ip6-route', family: 6 });
  const both = gap({ dump: 'nft', state: 'netfilter', reason: 'nft exited 1' });

  it('a per-family gap hides only its own family', () => {
    expect(gapFor([v6], 'routes', 4)).toBeUndefined();
    expect(gapFor([v6], 'routes', 6)).toBe(v6);
    expect(gapFor([v4, v6], 'routes', 6)).toBe(v6);
  });
  it('a gap of both families hides either, and a question of no family is hidden by any gap of its state', () => {
    expect(gapFor([both], 'netfilter', 4)).toBe(both);
    expect(gapFor([both], 'netfilter', 6)).toBe(both);
    expect(gapFor([v6], 'routes')).toBe(v6);
  });
  it('another state, a moot gap or no gaps hide nothing', () => {
    expect(gapFor([v4], 'rules', 4)).toBeUndefined();
    expect(gapFor([{ ...v4, moot: 'the route dump lists them' }], 'routes', 4)).toBeUndefined();
    expect(gapFor(undefined, 'routes', 4)).toBeUndefined();
  });
  it('describes a partial dump by what it lost, then why', () => {
    expect(describeGap(gap({ dump: 'iptables', cause: 'partial', state: 'netfilter', lost: ['table filter'], reason: 'line 8: bad rule' }))).toBe(
      'the iptables dump was read only in part (table filter; line 8: bad rule)',
    );
    expect(describeGap(gap({ dump: 'conntrack', cause: 'partial', state: 'conntrack', reason: 'cut at 1 MiB' }))).toBe('the conntrack dump was read only in part (cut at 1 MiB)');
  });
});

describe('a failed dump is a gap of the state it holds, in its family', () => {
  const failed: DumpResult = { argv: ['x'], stdout: '', stderr: 'boom\n', exitCode: 1 };
  const cases: [dump: string, state: StateGap['state'], family: 4 | 6 | undefined][] = [
    ['route', 'routes', 4],
    ['ip6-route', 'routes', 6],
    ['rule', 'rules', 4],
    ['ip6-rule', 'rules', 6],
    ['conntrack', 'conntrack', 4],
    ['conntrack-ipv6', 'conntrack', 6],
    ['ipset', 'ipsets', undefined],
    ['fdb', 'fdb', undefined],
    ['sysctl', 'sysctl', undefined],
  ];
  it.each(cases)('%s → %s', (dump, state, family) => {
    const m = buildNodeModel('n', { dumps: { [dump]: failed } });
    const g = m.gaps?.find((x) => x.dump === dump);
    expect(g).toMatchObject({ cause: 'failed', state });
    expect(g?.family).toBe(family);
  });
  // A failed generic save hides both backends' tables (a gap each, saying which); none is a gap of another state.
  it.each([
    ['iptables', 2],
    ['ip6tables', 2],
    ['nft', 1],
  ])('netfilter (%s): %i gap(s), all of the ruleset', (dump, n) => {
    const m = buildNodeModel('n', { dumps: { [dump]: failed } });
    expect(m.gaps?.filter((g) => g.dump === dump).map((g) => [g.state, g.cause])).toEqual(Array(n).fill(['netfilter', 'failed']));
  });
  it('ipvs: a failed dump is a gap unless the links show kube-proxy does not use IPVS', () => {
    const withoutLinks = buildNodeModel('n', { dumps: { ipvs: failed } });
    expect(gapFor(withoutLinks.gaps, 'ipvs')).toMatchObject({ dump: 'ipvs', state: 'ipvs' });
    const links: DumpResult = { argv: ['ip', '-d', '-j', 'link', 'show'], stdout: '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"operstate":"UNKNOWN","link_type":"loopback"}]', stderr: '', exitCode: 0 };
    const noIpvsDevice = buildNodeModel('n', { dumps: { ipvs: failed, link: links } });
    expect(gapFor(noIpvsDevice.gaps, 'ipvs')).toBeUndefined();
    expect(noIpvsDevice.gaps?.find((g) => g.dump === 'ipvs')?.moot).toContain('kube-ipvs0');
  });
});
