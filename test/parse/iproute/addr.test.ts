import { describe, expect, it } from 'vitest';
import { parseIpAddr } from '../../../src/parse/iproute/addr.js';
import { readCorpus } from '../../support/corpus.js';
import { fixture, thrown } from '../fixtures.js';

const src = { source: 'addr' };

describe('parseIpAddr', () => {
  it('reads addresses of the kernel JSON fixture', () => {
    const { value } = parseIpAddr(fixture('iproute', 'addr.json'), src);
    const of = (ifname: string) => value.addresses.filter((a) => a.ifname === ifname);
    expect(of('eth0')[0]).toEqual({ ifname: 'eth0', ifindex: 3, family: 4, local: '192.168.10.101', prefixlen: 24, scope: 'global' });
    expect(of('eth0')[1]).toMatchObject({ family: 6, local: 'fd00:10::101', prefixlen: 64, flags: ['nodad'] });
    expect(of('flannel.1')[0]).toMatchObject({ local: '10.244.0.0', prefixlen: 32 });
    expect(value.links.map((l) => l.name)).toContain('vxlan.p2p');
  });
  it('gives the same addresses from the text form', () => {
    const t = parseIpAddr(fixture('iproute', 'addr.txt'), src).value.addresses;
    const j = parseIpAddr(fixture('iproute', 'addr.json'), src).value.addresses;
    const key = (a: (typeof t)[number]) => [a.ifname, a.ifindex, a.family, a.local, a.prefixlen, a.scope, a.broadcast];
    expect(t.map(key)).toEqual(j.map(key));
  });
  it('reads the flannel node paste (corpus): metric, brd, dynamic', () => {
    const { value } = parseIpAddr(readCorpus('iproute', 'real-flannel-vxlan-k8s1.32-controlplane-ip-addr.txt'), src);
    expect(value.links.map((l) => [l.name, l.mtu])).toEqual([['lo', 65536], ['enX0', 9001], ['flannel.1', 8951]]);
    expect(value.addresses.find((a) => a.ifname === 'enX0' && a.family === 4)).toEqual({
      ifname: 'enX0', ifindex: 2, family: 4, local: '172.31.91.107', prefixlen: 20, broadcast: '172.31.95.255', scope: 'global', flags: ['dynamic'],
    });
    expect(value.addresses.find((a) => a.ifname === 'flannel.1' && a.family === 4)).toMatchObject({ local: '10.244.0.0', prefixlen: 32 });
  });
  it('reports a bad address with line and column', () => {
    expect(thrown(() => parseIpAddr('1: lo: <LOOPBACK> mtu 1\n    inet 300.1.1.1/8 scope host lo\n', src))).toMatchObject({ line: 2, column: 10 });
  });
});
