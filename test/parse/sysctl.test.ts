import { describe, expect, it } from 'vitest';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { fixture, thrown } from './fixtures.js';

const src = { source: 'sysctl' };

describe('parseSysctl', () => {
  it('reads `key = value` as sysctl prints it (kernel fixture)', () => {
    const { value, warnings } = parseSysctl(fixture('iproute', 'sysctl.txt'), src);
    expect(warnings).toEqual([]);
    expect(value['net.ipv4.conf.flannel/1.rp_filter']).toBe('1');
    expect(value['net.ipv4.ip_forward']).toBe('1');
    expect(value['net.bridge.bridge-nf-call-iptables']).toBe('1');
  });
  it('accepts key=value, /proc/sys paths and comments; turns sysctl errors into warnings', () => {
    const r = parseSysctl('# c\nnet.ipv4.ip_forward=1\n/proc/sys/net/bridge/bridge-nf-call-iptables = 1\nsysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-ip6tables: No such file or directory\n', src);
    expect(r.value).toEqual({ 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1' });
    expect(r.warnings).toMatchObject([{ code: 'sysctl-error', line: 4 }]);
    expect(parseSysctl('/proc/sys/net/ipv4/conf/flannel.1/rp_filter = 2', src).value).toEqual({ 'net.ipv4.conf.flannel/1.rp_filter': '2' });
  });
  it('reports a line without "=" with its position', () => {
    expect(thrown(() => parseSysctl('a = 1\n  garbage\n', src))).toMatchObject({ line: 2, column: 3 });
  });
});
