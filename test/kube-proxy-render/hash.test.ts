import { describe, expect, it } from 'vitest';
import {
  base32,
  hashAndTruncate,
  iptablesEndpointChain,
  iptablesServiceChain,
  nftEndpointChainBase,
  nftServiceChainBase,
  servicePortName,
} from '../lab/kube-proxy/hash.js';
import { readCorpus } from '../support/corpus.js';

describe('base32', () => {
  it('matches the RFC 4648 test vectors (without padding)', () => {
    const enc = (s: string): string => base32(new TextEncoder().encode(s));
    expect([enc(''), enc('f'), enc('fo'), enc('foo'), enc('foob'), enc('fooba'), enc('foobar')]).toEqual([
      '', 'MY', 'MZXQ', 'MZXW6', 'MZXW6YQ', 'MZXW6YTB', 'MZXW6YTBOI',
    ]);
  });
});

describe('iptables chain names', () => {
  it('reproduces the upstream test vectors from the facts doc', () => {
    expect(iptablesServiceChain('SVC', 'ns1/svc1:p80', 'tcp')).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(iptablesEndpointChain('ns1/svc1', 'tcp', '10.0.1.1:80')).toBe('KUBE-SEP-3JOIVZTXZZRGORX4');
    expect(iptablesEndpointChain('ns1/svc1:p80', 'TCP', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
    expect(servicePortName('ns1', 'svc1', undefined)).toBe('ns1/svc1');
    expect(servicePortName('ns1', 'svc1', 'p80')).toBe('ns1/svc1:p80');
  });

  it('names every KUBE-SVC chain of a real EKS node from the "<svc> cluster IP" comment', () => {
    const nat = readCorpus('iptables', 'real-eks-aws-vpc-cni-node-iptables-S-nat.txt');
    const re = /^-A KUBE-SERVICES .* -p (\w+) -m comment --comment "(\S+) cluster IP" .* -j (KUBE-SVC-\w+)$/gm;
    const matches = [...nat.matchAll(re)];
    expect(matches.length).toBeGreaterThanOrEqual(5);
    for (const [, proto, name, chain] of matches) expect(iptablesServiceChain('SVC', name!, proto!)).toBe(chain);
  });

  it('names every KUBE-SEP chain of a real EKS node from the "<svc> -> ip:port" comment', () => {
    const nat = readCorpus('iptables', 'real-eks-aws-vpc-cni-node-iptables-S-nat.txt');
    const protoOf = new Map<string, string>();
    for (const [, proto, name] of nat.matchAll(/-p (\w+) -m comment --comment "(\S+) cluster IP"/g)) protoOf.set(name!, proto!);
    const re = /^-A KUBE-SVC-\w+ -m comment --comment "(\S+) -> (\S+)" .*-j (KUBE-SEP-\w+)$/gm;
    const matches = [...nat.matchAll(re)];
    expect(matches.length).toBeGreaterThanOrEqual(5);
    for (const [, name, endpoint, chain] of matches) expect(iptablesEndpointChain(name!, protoOf.get(name!)!, endpoint!)).toBe(chain);
  });
});

describe('nftables chain names', () => {
  it('reproduces upstream vectors, including an unnamed port', () => {
    expect(nftServiceChainBase('ns1', 'svc1', 'TCP', 'p80')).toBe('ULMVA6XW-ns1/svc1/tcp/p80');
    expect(nftEndpointChainBase('ns1', 'svc1', 'tcp', 'p80', '10.180.0.1', 80)).toBe('5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
    expect(nftServiceChainBase('riset', 'hellopod-np-svc', 'tcp', undefined)).toBe('P6J77WGM-riset/hellopod-np-svc/tcp/');
  });

  it('recomputes the hash of every service/endpoint chain in a real k3s dump', () => {
    const dump = readCorpus('nftables', 'real-k3s-nftables-mode-nft-list-table-kube-proxy.nft');
    const names = new Set([...dump.matchAll(/\b(?:service|external|endpoint)-([A-Z2-7]{8})-([\w./-]+)/g)].map((m) => `${m[1]}-${m[2]}`));
    expect(names.size).toBeGreaterThan(10);
    for (const name of names) expect(hashAndTruncate(name.slice(9))).toBe(name);
  });

  it('truncates over-long names with "..." like hashAndTruncate', () => {
    const long = `${'a'.repeat(80)}/${'b'.repeat(63)}/tcp/${'c'.repeat(63)}__fd00.0.0.0.0.0.0.1/65535`;
    const out = hashAndTruncate(long);
    expect(out).toHaveLength(240);
    expect(out.endsWith('...')).toBe(true);
  });
});
