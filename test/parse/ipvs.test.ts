import { describe, expect, it } from 'vitest';
import { parseIpvs } from '../../src/parse/ipvs.js';
import { corpusFiles, readCorpus } from '../support/corpus.js';
import { thrown } from './fixtures.js';

const src = { source: 'ipvs' };

describe('parseIpvs table form (ipvsadm -Ln)', () => {
  it('reads persistence and Masq reals (corpus: k8s IPVS README)', () => {
    const { value, warnings } = parseIpvs(readCorpus('ipvs', 'k8s-ipvs-readme-ipvsadm-ln-kubernetes-kubedns.txt'), src);
    expect(warnings).toEqual([]);
    expect(value[0]).toEqual({
      protocol: 'tcp', address: '10.0.0.1', port: 443, scheduler: 'rr', persistent: 10800,
      reals: [{ address: '192.168.0.1', port: 6443, forward: 'masq', weight: 1, activeConns: 1, inactiveConns: 0 }],
    });
    expect(value.map((s) => `${s.protocol} ${s.address}:${s.port}`)).toEqual(['tcp 10.0.0.1:443', 'tcp 10.0.0.10:53', 'udp 10.0.0.10:53']);
  });
  it('reads NodePort services, a service without reals and trailing spaces (corpus: calico IPVS)', () => {
    const { value } = parseIpvs(readCorpus('ipvs', 'real-k8s1.20-calico-ipvs-ipvsadm-Ln-with-nodeports.txt'), src);
    expect(value).toHaveLength(11);
    expect(value.find((s) => s.address === '10.97.105.36')?.reals).toEqual([]);
    expect(value.find((s) => s.address === '127.0.0.1')).toMatchObject({ port: 30023, reals: [{ address: '10.244.36.72', port: 8443 }] });
    expect(value.filter((s) => s.address === '10.96.0.10' && s.port === 53).map((s) => [s.protocol, s.reals.length])).toEqual([['tcp', 2], ['udp', 2]]);
  });
  it('parses every ipvsadm corpus file', () => {
    const files = corpusFiles('ipvs').filter((f) => f.includes('ipvsadm'));
    expect(files.length).toBe(3);
    for (const f of files) expect(parseIpvs(readCorpus('ipvs', f), { source: f }).value.length, f).toBeGreaterThan(0);
  });
  it('reads FWM, IPv6 and other forwarding methods', () => {
    const text = 'FWM  100 wrr\n  -> 10.0.0.1:0 Route 3 0 0\nTCP  [fd00::1]:443 sh\n  -> [fd00::2]:8443 Tunnel 1 0 0\n  -> [fd00::3]:8443 Local 1 0 0\n';
    const v = parseIpvs(text, src).value;
    expect(v[0]).toMatchObject({ protocol: 'fwmark', fwmark: 100, scheduler: 'wrr', reals: [{ forward: 'route', weight: 3 }] });
    expect(v[1]).toMatchObject({ address: 'fd00::1', port: 443, reals: [{ address: 'fd00::2', forward: 'tunnel' }, { forward: 'local' }] });
  });
});

describe('parseIpvs save form (ipvsadm -Sn)', () => {
  it('reads services, persistence, weights and forwarding', () => {
    const text = [
      '-A -t 10.96.0.1:443 -s rr -p 10800',
      '-a -t 10.96.0.1:443 -r 192.168.49.2:8443 -m -w 1',
      '-A -u 10.96.0.10:53 -s rr',
      '-a -u 10.96.0.10:53 -r 172.17.0.2:53 -m -w 1',
      '-a -u 10.96.0.10:53 -r 172.17.0.3:53 -g -w 0',
      '-A -f 7 -s sh',
      '-a -f 7 -r 10.0.0.9:0 -i -w 2',
    ].join('\n');
    expect(parseIpvs(text, src).value).toEqual([
      { protocol: 'tcp', address: '10.96.0.1', port: 443, scheduler: 'rr', persistent: 10800, reals: [{ address: '192.168.49.2', port: 8443, forward: 'masq', weight: 1 }] },
      {
        protocol: 'udp', address: '10.96.0.10', port: 53, scheduler: 'rr',
        reals: [{ address: '172.17.0.2', port: 53, forward: 'masq', weight: 1 }, { address: '172.17.0.3', port: 53, forward: 'route', weight: 0 }],
      },
      { protocol: 'fwmark', fwmark: 7, scheduler: 'sh', reals: [{ address: '10.0.0.9', port: 0, forward: 'tunnel', weight: 2 }] },
    ]);
  });
  it('reports errors with line and column', () => {
    expect(thrown(() => parseIpvs('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.2:80 -r 1.1.1.1:80 -m -w 1\n', src))).toMatchObject({ line: 2, column: 7 });
    expect(thrown(() => parseIpvs('-A -t 10.0.0.1:80 -s rr --bogus\n', src))).toMatchObject({ line: 1, column: 25 });
    expect(thrown(() => parseIpvs('TCP  10.0.0.1:80 rr\n  -> 10.0.0.2:80 Teleport 1 0 0\n', src))).toMatchObject({ line: 2, column: 18 });
  });
});
