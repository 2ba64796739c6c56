import { describe, expect, it } from 'vitest';
import { parseBridgeFdb } from '../../src/parse/bridge-fdb.js';
import { fixture, thrown } from './fixtures.js';

const src = { source: 'fdb' };

describe('parseBridgeFdb', () => {
  const { value } = parseBridgeFdb(fixture('iproute', 'fdb.json'), src);
  it('reads flannel-style VXLAN entries with their remote VTEP (kernel fixture)', () => {
    expect(value.find((e) => e.ifname === 'flannel.1')).toEqual({ mac: 'aa:bb:cc:dd:ee:01', ifname: 'flannel.1', dst: '192.168.10.102', flags: ['self'], state: 'permanent' });
    expect(value.filter((e) => e.ifname === 'vxlan.p2p').map((e) => e.dst)).toEqual(['192.168.10.102', '192.168.10.103']);
  });
  it('reads bridge (master) entries and marks learned ones dynamic', () => {
    expect(value.find((e) => e.mac === 'aa:bb:cc:00:00:09')).toEqual({ mac: 'aa:bb:cc:00:00:09', ifname: 'veth1234', master: 'cni0', flags: [], state: 'static' });
    expect(value.filter((e) => e.master === 'cni0').map((e) => e.state)).toContain('dynamic');
  });
  it('reads the text form with vni and vlan', () => {
    const t = parseBridgeFdb('aa:bb:cc:dd:ee:01 dev flannel.1 dst 192.168.10.102 vni 1 self permanent\n00:11:22:33:44:55 dev veth0 vlan 10 master cni0\n', src).value;
    expect(t).toEqual([
      { mac: 'aa:bb:cc:dd:ee:01', ifname: 'flannel.1', dst: '192.168.10.102', vni: 1, flags: ['self'], state: 'permanent' },
      { mac: '00:11:22:33:44:55', ifname: 'veth0', vlan: 10, master: 'cni0', flags: [], state: 'dynamic' },
    ]);
  });
  it('reports bad input with line and column', () => {
    expect(thrown(() => parseBridgeFdb('aa:bb:cc:dd:ee:01 dev x\nzz dev y\n', src))).toMatchObject({ line: 2, column: 1 });
    expect(thrown(() => parseBridgeFdb('[{"mac":1}]', src))).toMatchObject({ path: '$[0].mac' });
  });
});
