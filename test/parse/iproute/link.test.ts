import { describe, expect, it } from 'vitest';
import { parseIpLink } from '../../../src/parse/iproute/link.js';
import { readCorpus } from '../../support/corpus.js';
import { fixture, thrown } from '../fixtures.js';

const src = { source: 'link' };

describe('parseIpLink', () => {
  const json = parseIpLink(fixture('iproute', 'link.json'), src);
  const by = (name: string) => json.value.find((l) => l.name === name);
  it('reads kinds, mtu, master and state from ip -d -j link', () => {
    expect(json.warnings).toEqual([]);
    expect(by('lo')).toMatchObject({ kind: 'loopback', mtu: 65536, state: 'UNKNOWN' });
    expect(by('eth0')).toMatchObject({ kind: 'veth', mtu: 9001, state: 'UP', peer: { name: 'underlay' } });
    expect(by('cni0')).toMatchObject({ kind: 'bridge', bridge: { vlanFiltering: false, stp: false, nfCallIptables: false } });
    expect(by('veth1234')).toMatchObject({ kind: 'veth', master: 'cni0', peer: { index: 5, netnsId: 0 }, bridgePort: { state: 'forwarding', learning: true, hairpin: false } });
    expect(by('vxlan.mc')).toMatchObject({ state: 'DOWN', flags: ['BROADCAST', 'MULTICAST'] });
  });
  it('reads VXLAN id, port, local, remote, group, dev and learning', () => {
    expect(by('flannel.1')?.vxlan).toEqual({ id: 1, port: 8472, local: '192.168.10.101', dev: 'eth0', learning: false });
    expect(by('vxlan.mc')?.vxlan).toEqual({ id: 42, port: 4789, group: '239.1.1.1', dev: 'eth0', learning: true });
    expect(by('vxlan.p2p')?.vxlan).toEqual({ id: 43, port: 4789, local: '192.168.10.101', remote: '192.168.10.102', learning: true });
  });
  it('gives the same links from the ip -d link text form', () => {
    const text = parseIpLink(fixture('iproute', 'link.txt'), src).value;
    // The text form names the peer's namespace instead of its id and prints no info_slave_data booleans for proxy_arp etc.
    const norm = (ls: typeof text) => ls.map((l) => ({ ...l, mac: undefined, peer: l.peer?.index ?? l.peer?.name }));
    expect(norm(text).map((l) => [l.name, l.kind, l.mtu, l.state, l.master, l.peer, l.vxlan])).toEqual(
      norm(json.value).map((l) => [l.name, l.kind, l.mtu, l.state, l.master, l.peer, l.vxlan]),
    );
  });
  it('reads the flannel.1 header pasted without -d (corpus)', () => {
    const [l] = parseIpLink(readCorpus('iproute', 'real-flannel-vxlan-k8s1.32-controlplane-ip-link-flannel.1.txt'), src).value;
    expect(l).toMatchObject({ index: 4, name: 'flannel.1', mtu: 8951, state: 'UNKNOWN', kind: 'device', mac: 'd6:53:56:ee:d2:46' });
  });
  it('reports garbage with its line', () => {
    expect(thrown(() => parseIpLink('1: lo: <LOOPBACK> mtu 65536\nnot a link\n', src))).toMatchObject({ line: 2, column: 1 });
    expect(thrown(() => parseIpLink('[{"ifname":"x"}]', src))).toMatchObject({ path: '$[0].ifindex' });
  });
});
