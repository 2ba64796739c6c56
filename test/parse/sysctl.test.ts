import { describe, expect, it } from 'vitest';
import { bridgeNfCallIptables, effectiveRpFilter, ipForward, ipv4Forwarding, parseSysctl, routeLocalnet } from '../../src/parse/sysctl.js';
import { fixture, thrown } from './fixtures.js';

const src = { source: 'sysctl' };

describe('parseSysctl', () => {
  it('reads `key = value` as sysctl prints it (kernel fixture)', () => {
    const { value, warnings } = parseSysctl(fixture('iproute', 'sysctl.txt'), src);
    expect(warnings).toEqual([]);
    expect(value['net.ipv4.conf.flannel/1.rp_filter']).toBe('1');
    expect(ipForward(value)).toBe(true);
    expect(ipv4Forwarding(value, 'all')).toBe(true);
    expect(bridgeNfCallIptables(value)).toBe(true);
    // all=2 (loose) wins over flannel.1=1 and eth0=0: the kernel takes the maximum.
    expect(effectiveRpFilter(value, 'flannel.1')?.mode).toBe(2);
    expect(effectiveRpFilter(value, 'eth0')?.mode).toBe(2);
  });
  it('accepts key=value, /proc/sys paths and comments; turns sysctl errors into warnings', () => {
    const r = parseSysctl('# c\nnet.ipv4.ip_forward=1\n/proc/sys/net/bridge/bridge-nf-call-iptables = 1\nsysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-ip6tables: No such file or directory\n', src);
    expect(ipForward(r.value)).toBe(true);
    expect(bridgeNfCallIptables(r.value)).toBe(true);
    expect(r.warnings).toMatchObject([{ code: 'sysctl-error', line: 4 }]);
    expect(parseSysctl('/proc/sys/net/ipv4/conf/flannel.1/rp_filter = 2', src).value).toEqual({ 'net.ipv4.conf.flannel/1.rp_filter': '2' });
  });
  it('applies max(all, iface) for rp_filter and OR for route_localnet', () => {
    const s = parseSysctl('net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.default.rp_filter = 0\nnet.ipv4.conf.flannel/1.rp_filter = 2\nnet.ipv4.conf.eth0.rp_filter = 0\nnet.ipv4.conf.all.route_localnet = 0\nnet.ipv4.conf.eth0.route_localnet = 1', src).value;
    expect(effectiveRpFilter(s, 'eth0')).toEqual({ mode: 1, from: ['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.eth0.rp_filter'] });
    expect(effectiveRpFilter(s, 'flannel.1')?.mode).toBe(2);
    expect(effectiveRpFilter(s, 'cni0')).toEqual({ mode: 1, from: ['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter'] });
    expect(effectiveRpFilter({}, 'eth0')).toBeUndefined();
    expect(routeLocalnet(s, 'eth0')).toBe(true);
    expect(routeLocalnet(s, 'cni0')).toBe(false);
    expect(bridgeNfCallIptables(s)).toBeUndefined();
  });
  it('reports a line without "=" with its position', () => {
    expect(thrown(() => parseSysctl('a = 1\n  garbage\n', src))).toMatchObject({ line: 2, column: 3 });
  });
});
