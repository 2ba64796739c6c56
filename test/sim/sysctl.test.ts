/** The sysctls the walker reads, combined the way the kernel combines them (from a parsed `sysctl` dump). */
import { describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { bridgeNfCallIptables, forwarding, rpFilter } from '../../src/sim/sysctl.js';
import { fixture } from '../parse/fixtures.js';

const node = (sysctl: string) => buildNodeModel('n', { dumps: { sysctl: { argv: ['sysctl', '-a'], stdout: sysctl, stderr: '', exitCode: 0 } } });

describe('sim sysctls', () => {
  it('rp_filter is max(conf.all, conf.<dev>) (kernel fixture: all=2 wins over flannel.1=1 and eth0=0)', () => {
    const n = node(fixture('iproute', 'sysctl.txt'));
    expect(rpFilter(n, 'flannel.1')).toEqual({ known: true, value: 2 });
    expect(rpFilter(n, 'eth0')).toEqual({ known: true, value: 2 });
    expect(forwarding(n, 4, 'eth0')).toMatchObject({ known: true });
    expect(bridgeNfCallIptables(n, 'cni0', 4)).toEqual({ known: true, value: true });
  });
  it('a device value above conf.all wins; nothing collected is unknown, never "off"', () => {
    const n = node('net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.flannel/1.rp_filter = 2\nnet.ipv4.conf.eth0.rp_filter = 0\nnet.ipv4.ip_forward = 0\n');
    expect(rpFilter(n, 'eth0')).toEqual({ known: true, value: 1 });
    expect(rpFilter(n, 'flannel.1')).toEqual({ known: true, value: 2 });
    expect(forwarding(n, 4, 'eth0')).toEqual({ known: true, value: false });
    const none = buildNodeModel('n', { dumps: {} });
    expect(rpFilter(none, 'eth0')).toEqual({ known: false });
    expect(forwarding(none, 4, 'eth0')).toEqual({ known: false });
  });
});
