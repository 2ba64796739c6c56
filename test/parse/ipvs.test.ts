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
  it('reads the flags of a service line, warning of those it does not model, and names what is wrong', () => {
    const text = 'TCP  10.0.0.1:80 rr persistent 360 mask 255.255.255.0 pe sip\n  -> 10.0.0.2:80 Masq 1 4 2\nUDP  10.0.0.1:53 rr ops\n';
    const { value, warnings } = parseIpvs(text, src);
    expect(value).toEqual([
      { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'rr', persistent: 360, reals: [{ address: '10.0.0.2', port: 80, forward: 'masq', weight: 1, activeConns: 4, inactiveConns: 2 }] },
      { protocol: 'udp', address: '10.0.0.1', port: 53, scheduler: 'rr', reals: [] },
    ]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual(['1: service flag "mask 255.255.255.0" is not modelled', '1: service flag "pe sip" is not modelled', '3: service flag "ops" is not modelled']);
    const msg = (t: string) => (thrown(() => parseIpvs(t, src)) as Error).message;
    expect(msg('  -> 10.0.0.2:80 Masq 1 0 0')).toMatch(/real server line before any service$/);
    expect(msg('TCP 10.0.0.1:80 rr\n  ->')).toMatch(/missing real server$/);
    expect(msg('TCP 10.0.0.1:80 rr\n  -> 10.0.0.2:80')).toMatch(/missing forwarding method$/);
    expect(msg('TCP 10.0.0.1:80 rr\n  -> 10.0.0.2:80 Masq one 0 0')).toMatch(/expected a number$/);
    expect(msg('TCP 10.0.0.1:80 rr persistent')).toMatch(/"persistent" needs seconds$/);
    expect(msg('TCP 10.0.0.1:80')).toMatch(/missing scheduler$/);
    expect(msg('TCP')).toMatch(/missing service address$/);
    expect(msg('FWM x rr')).toMatch(/"x" is not a firewall mark$/);
    expect(msg('ICMP 10.0.0.1:80 rr')).toMatch(/expected TCP, UDP, SCTP, FWM or "->", got "ICMP"$/);
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
  it('reads the long options, a bare real address, the default scheduler and persistence, and warns of what it does not model', () => {
    const text = [
      '-A --tcp-service 10.0.0.1:80 --persistent -M 255.255.255.0 -b flag-1,flag-2 --pe sip',
      '-a --tcp-service 10.0.0.1:80 --real-server 10.0.0.2 --gatewaying --weight 3 -x 100 -y 50',
      '-A --udp-service [fd00::1]:53 --scheduler nq -o',
      '-a --udp-service [fd00::1]:53 --real-server [fd00::2]:5353 --ipip --tun-type gue --tun-port 6080',
      '-A --sctp-service 10.0.0.3:3868 --scheduler mh',
      '-a --sctp-service 10.0.0.3:3868 -r 10.0.0.4:3868 --masquerading',
      '-A --fwmark-service 9',
    ].join('\n');
    const { value, warnings } = parseIpvs(text, src);
    expect(value).toEqual([
      { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wlc', persistent: 300, reals: [{ address: '10.0.0.2', port: 80, forward: 'route', weight: 3 }] },
      { protocol: 'udp', address: 'fd00::1', port: 53, scheduler: 'nq', reals: [{ address: 'fd00::2', port: 5353, forward: 'tunnel', weight: 1 }] },
      { protocol: 'sctp', address: '10.0.0.3', port: 3868, scheduler: 'mh', reals: [{ address: '10.0.0.4', port: 3868, forward: 'masq', weight: 1 }] },
      { protocol: 'fwmark', fwmark: 9, scheduler: 'wlc', reals: [] },
    ]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      '1: service option "-M 255.255.255.0" is not modelled',
      '1: service option "-b flag-1,flag-2" is not modelled',
      '1: service option "--pe sip" is not modelled',
      '2: real server option "-x" is not modelled',
      '2: real server option "-y" is not modelled',
      '3: one-packet scheduling (-o) is not modelled',
      '4: real server option "--tun-type" is not modelled',
      '4: real server option "--tun-port" is not modelled',
    ]);
  });
  it('names what is missing or wrong in the save form', () => {
    const msg = (t: string) => (thrown(() => parseIpvs(t, src)) as Error).message;
    expect(msg('-A')).toMatch(/missing service$/);
    expect(msg('-A -t')).toMatch(/missing service address$/);
    expect(msg('-A -x 10.0.0.1:80')).toMatch(/expected -t, -u, --sctp-service or -f, got "-x"$/);
    expect(msg('-A -f seven')).toMatch(/"seven" is not a firewall mark$/);
    expect(msg('-A -t 10.0.0.1:80 -s')).toMatch(/"-s" needs a scheduler$/);
    expect(msg('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r')).toMatch(/"-r" needs ADDRESS:PORT$/);
    expect(msg('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -w x')).toMatch(/"-w" needs a number$/);
    expect(msg('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -m')).toMatch(/real server without -r$/);
    expect(msg('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 --bogus')).toMatch(/unknown real server option "--bogus"$/);
    expect(msg('-A -t 10.0.0.1:99999')).toMatch(/"10.0.0.1:99999" is not ADDRESS:PORT$/);
    expect(msg('-X -t 10.0.0.1:80')).toMatch(/expected -A or -a, got "-X"$/);
  });
  it('reports errors with line and column', () => {
    expect(thrown(() => parseIpvs('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.2:80 -r 1.1.1.1:80 -m -w 1\n', src))).toMatchObject({ line: 2, column: 7 });
    expect(thrown(() => parseIpvs('-A -t 10.0.0.1:80 -s rr --bogus\n', src))).toMatchObject({ line: 1, column: 25 });
    expect(thrown(() => parseIpvs('TCP  10.0.0.1:80 rr\n  -> 10.0.0.2:80 Teleport 1 0 0\n', src))).toMatchObject({ line: 2, column: 18 });
  });
});
