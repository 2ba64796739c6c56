import { describe, expect, it } from 'vitest';
import { parseIpRoute } from '../../../src/parse/iproute/route.js';
import { ParseError } from '../../../src/util/parse-error.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';
import { fixture, thrown } from '../fixtures.js';

const src = { source: 'route' };

describe('parseIpRoute JSON (kernel fixture: ip -j route show table all)', () => {
  const { value: routes, warnings } = parseIpRoute(fixture('iproute', 'route.json'), src);
  const find = (dst: string, table = 254) => routes.find((r) => r.dst === dst && r.table === table);

  it('normalises default and host routes per family', () => {
    expect(find('0.0.0.0/0')).toMatchObject({ family: 4, gateway: '192.168.10.1', dev: 'eth0', protocol: 'static', metric: 100 });
    expect(find('::/0')).toMatchObject({ family: 6, gateway: 'fd00:10::1', metric: 1024, pref: 'medium' });
    expect(find('10.60.0.5/32')).toMatchObject({ scope: 'link', prefsrc: '10.244.0.1', dev: 'cni0' });
  });
  it('keeps onlink, route types and table ids', () => {
    expect(find('10.244.1.0/24')).toMatchObject({ gateway: '10.244.1.0', dev: 'flannel.1', flags: ['onlink'] });
    expect(find('10.122.36.64/26')).toMatchObject({ type: 'blackhole', protocol: 'bird' });
    expect(find('10.99.0.0/16')?.type).toBe('unreachable');
    expect(find('10.98.0.0/16')?.type).toBe('prohibit');
    expect(find('10.97.0.0/16', 100)?.type).toBe('throw');
    expect(find('0.0.0.0/0', 2)).toMatchObject({ gateway: '192.168.10.1', table: 2 });
    expect(find('10.61.0.0/16', 200)).toMatchObject({ metric: 50, protocol: 'babel' });
    expect(find('10.244.0.255/32', 255)).toMatchObject({ type: 'broadcast', table: 255 });
    expect(find('127.0.0.0/8', 255)).toMatchObject({ type: 'local', scope: 'host' });
    expect(routes.filter((r) => r.type === 'multicast' && r.dst === 'ff00::/8').length).toBeGreaterThan(0);
  });
  it('reads multipath next hops and metrics', () => {
    expect(find('10.50.0.0/16')).toMatchObject({
      mtu: 1400,
      nexthops: [
        { gateway: '192.168.10.2', dev: 'eth0', weight: 1 },
        { gateway: '192.168.10.3', dev: 'eth0', weight: 2 },
      ],
    });
    expect(find('fd00:99::/64')).toMatchObject({ family: 6, mtu: 1300 });
  });
  it('warns about nothing it cannot read in a kernel dump', () => {
    expect(warnings).toEqual([]);
  });
});

describe('parseIpRoute text', () => {
  it('agrees with the JSON form on the same kernel state', () => {
    const strip = (rs: ReturnType<typeof parseIpRoute>['value']) => rs.map(({ mtuLock: _m, ...r }) => r);
    const fromText = parseIpRoute(fixture('iproute', 'route.txt'), src).value;
    const fromJson = parseIpRoute(fixture('iproute', 'route.json'), src).value;
    expect(strip(fromText)).toEqual(strip(fromJson));
  });
  it('reads `mtu lock` in the IPv6 text form', () => {
    const r = parseIpRoute(fixture('iproute', 'route6.txt'), { source: 'route6', family: 6 }).value;
    expect(r.find((x) => x.dst === 'fd00:99::/64')).toMatchObject({ mtu: 1300, mtuLock: true, metric: 1024 });
  });
  it('reads the flannel VXLAN route with its onlink flag (corpus)', () => {
    const r = parseIpRoute(readCorpus('iproute', 'real-flannel-vxlan-k8s1.32-controlplane-ip-route.txt'), src).value;
    expect(r[1]).toMatchObject({ dst: '10.244.1.0/24', gateway: '10.244.1.0', dev: 'flannel.1', flags: ['onlink'], table: 254 });
    expect(r[0]).toMatchObject({ dst: '0.0.0.0/0', gateway: '172.31.80.1', protocol: 'dhcp', prefsrc: '172.31.91.107', metric: 100 });
  });
  it('reads Calico blackhole and IPIP onlink routes (corpus)', () => {
    const r = parseIpRoute(readCorpus('iproute', 'real-calico-ipip-node-ip-route-show.txt'), src).value;
    expect(r[1]).toMatchObject({ type: 'blackhole', dst: '10.122.36.64/26', protocol: 'bird' });
    expect(r[2]).toMatchObject({ dst: '10.122.36.69/32', dev: 'cali08440ddce5b', scope: 'link' });
    expect(r[6]).toMatchObject({ dst: '10.122.62.128/26', gateway: '192.168.10.100', dev: 'tunl0', flags: ['onlink'] });
    expect(r[8]?.flags).toEqual(['linkdown']);
  });
  it('puts `ip route show table 2` routes in the table it was asked for', () => {
    const r = parseIpRoute(readCorpus('iproute', 'real-eks-aws-vpc-cni-node-ip-route-show-table-2.txt'), { source: 't2', table: 2 }).value;
    expect(r).toEqual([
      { family: 4, table: 2, type: 'unicast', dst: '0.0.0.0/0', gateway: '192.168.4.1', dev: 'ens6', flags: [] },
      { family: 4, table: 2, type: 'unicast', dst: '192.168.4.1/32', dev: 'ens6', scope: 'link', flags: [] },
    ]);
  });
  it('parses every route file of the corpus', () => {
    const files = corpusFiles('iproute').filter((f) => f.includes('ip-route'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const { value, warnings } = parseIpRoute(readCorpus('iproute', f), { source: f });
      expect(value.length, f).toBeGreaterThan(0);
      expect(warnings, f).toEqual([]);
    }
  });
  it('reports bad input with line and column', () => {
    const e = thrown(() => parseIpRoute('default via 10.0.0.1 dev eth0\n10.0.0.0/8 via nowhere dev x\n', src));
    expect(e).toBeInstanceOf(ParseError);
    expect(e).toMatchObject({ line: 2, column: 16, source: 'route' });
    expect(thrown(() => parseIpRoute('[{"dst": 5}]', src))).toMatchObject({ path: '$[0].dst' });
    expect(thrown(() => parseIpRoute('[{"dst": "x",\n', src))).toMatchObject({ line: 2 });
  });
  it('reads the one-line multipath form', () => {
    const [r] = parseIpRoute('10.50.0.0/16 proto static nexthop via 10.0.0.2 dev eth0 weight 1 nexthop via 10.0.0.3 dev eth1 weight 2\n', src).value;
    expect(r?.nexthops).toEqual([
      { gateway: '10.0.0.2', dev: 'eth0', weight: 1, flags: [] },
      { gateway: '10.0.0.3', dev: 'eth1', weight: 2, flags: [] },
    ]);
    expect(r?.protocol).toBe('static');
  });
  it('warns about selectors it does not evaluate (source-specific routes, nexthop objects)', () => {
    const t = parseIpRoute('fd00::/64 from 2001:db8::/64 via fd00::1 dev eth0 metric 1024 pref medium\n10.0.0.0/8 nhid 5 via 10.1.1.1 dev eth0\n', src);
    expect(t.value[0]).toMatchObject({ family: 6, gateway: 'fd00::1' });
    expect(t.warnings.map((w) => [w.code, w.line])).toEqual([['unsupported', 1], ['unsupported', 2]]);
    const j = parseIpRoute('[{"dst":"fd00::/64","src":"2001:db8::/64","gateway":"fd00::1","dev":"eth0","flags":[]}]', src);
    expect(j.warnings).toMatchObject([{ code: 'unsupported', path: '$[0].src' }]);
  });
  it('warns about an unknown keyword instead of dropping it silently', () => {
    const r = parseIpRoute('10.0.0.0/8 dev eth0 frobnicate\n', src);
    expect(r.warnings).toMatchObject([{ code: 'unknown-keyword', line: 1 }]);
  });
});

describe('a route or rule TOS as ip prints it', () => {
  const tosOf = (text: string) => parseIpRoute(text, src).value[0]?.tos;
  it('reads hex and the names of iproute2’s rt_dsfield, in both forms; a name it does not ship stays a TOS', () => {
    expect(tosOf('198.51.100.0/25 tos 0x10 via 10.9.0.104 dev v0 table 103\n')).toBe(0x10);
    expect(tosOf('198.51.100.0/25 tos AF11 via 10.9.0.104 dev v0\n')).toBe(0x28);
    expect(tosOf('198.51.100.0/25 tos lowdelay via 10.9.0.104 dev v0\n')).toBe(0x10);
    expect(tosOf('[{"type":"unicast","dst":"198.51.100.0/25","tos":"0x10","gateway":"10.9.0.104","dev":"v0","flags":[]}]')).toBe(0x10);
    expect(tosOf('[{"type":"unicast","dst":"198.51.100.0/25","tos":"EF","dev":"v0","flags":[]}]')).toBe(0xb8);
    expect(tosOf('[{"type":"unicast","dst":"198.51.100.0/25","dsfield":"0x28","dev":"v0","flags":[]}]')).toBe(0x28);
    expect(tosOf('198.51.100.0/25 tos voice dev v0\n')).toBe('voice');
    expect(tosOf('198.51.100.0/25 dev v0\n')).toBeUndefined();
  });
});

describe('a multipath route with a next hop whose device is down', () => {
  it('keeps `dead` on that next hop, in both forms, as ip prints it', () => {
    const text = '198.51.100.0/24 \n\tnexthop via 10.9.0.1 dev v0 weight 1 \n\tnexthop via 10.9.1.1 dev w0 weight 1 dead linkdown \n';
    const json = '[{"dst":"198.51.100.0/24","flags":[],"nexthops":[{"gateway":"10.9.0.1","dev":"v0","weight":1,"flags":[]},{"gateway":"10.9.1.1","dev":"w0","weight":1,"flags":["dead","linkdown"]}]}]';
    for (const dump of [text, json]) {
      const [route] = parseIpRoute(dump, src).value;
      expect(route?.flags).toEqual([]);
      expect(route?.nexthops?.map((h) => h.flags)).toEqual([[], ['dead', 'linkdown']]);
    }
  });
});
