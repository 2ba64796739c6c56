/**
 * Property tests: random text and mutated real inputs never make a parser throw anything but ParseError, and every
 * run terminates. NETX_FUZZ_RUNS sets the runs per property (CI: 10000).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/util/parse-error.js';
import { parseIpAddr } from '../../src/parse/iproute/addr.js';
import { parseIpLink } from '../../src/parse/iproute/link.js';
import { parseIpRule } from '../../src/parse/iproute/rule.js';
import { parseIpRoute } from '../../src/parse/iproute/route.js';
import { parseIpNeigh } from '../../src/parse/iproute/neigh.js';
import { parseBridgeFdb } from '../../src/parse/bridge-fdb.js';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { parseConntrack } from '../../src/parse/conntrack.js';
import { parseIpvs } from '../../src/parse/ipvs.js';
import { parseCniFile } from '../../src/parse/cni/index.js';
import { parseKubeProxySource } from '../../src/parse/kube-proxy-config.js';
import { corpusFiles, readCorpus } from '../support/corpus.js';
import { fixture, FUZZ_RUNS } from './fixtures.js';

const src = { source: 'fuzz' };
const corpus = (folder: string, filter: (f: string) => boolean = () => true) => corpusFiles(folder).filter(filter).map((f) => readCorpus(folder, f));

const PARSERS: { name: string; parse: (t: string) => unknown; seeds: string[] }[] = [
  { name: 'ip addr', parse: (t) => parseIpAddr(t, src), seeds: [fixture('iproute', 'addr.json'), fixture('iproute', 'addr.txt'), ...corpus('iproute', (f) => f.includes('ip-addr'))] },
  { name: 'ip link', parse: (t) => parseIpLink(t, src), seeds: [fixture('iproute', 'link.json'), fixture('iproute', 'link.txt')] },
  { name: 'ip rule', parse: (t) => parseIpRule(t, src), seeds: [fixture('iproute', 'rule.json'), fixture('iproute', 'rule.txt'), ...corpus('iproute', (f) => f.includes('ip-rule'))] },
  { name: 'ip route', parse: (t) => parseIpRoute(t, src), seeds: [fixture('iproute', 'route.json'), fixture('iproute', 'route.txt'), fixture('iproute', 'route6.txt'), ...corpus('iproute', (f) => f.includes('ip-route'))] },
  { name: 'ip neigh', parse: (t) => parseIpNeigh(t, src), seeds: [fixture('iproute', 'neigh.json'), fixture('iproute', 'neigh.txt')] },
  { name: 'bridge fdb', parse: (t) => parseBridgeFdb(t, src), seeds: [fixture('iproute', 'fdb.json'), 'aa:bb:cc:dd:ee:01 dev flannel.1 dst 192.168.10.102 vni 1 self permanent\n'] },
  { name: 'sysctl', parse: (t) => parseSysctl(t, src), seeds: [fixture('iproute', 'sysctl.txt')] },
  { name: 'conntrack', parse: (t) => parseConntrack(t, src), seeds: [...corpus('conntrack'), fixture('conntrack', 'conntrack-L.txt'), fixture('conntrack', 'conntrack-L-extended.txt')] },
  { name: 'ipvsadm', parse: (t) => parseIpvs(t, src), seeds: [...corpus('ipvs', (f) => f.includes('ipvsadm')), '-A -t 10.96.0.1:443 -s rr -p 10800\n-a -t 10.96.0.1:443 -r 10.0.0.1:6443 -m -w 1\n'] },
  { name: 'cni', parse: (t) => parseCniFile('fuzz.conflist', t), seeds: corpus('cni', (f) => !f.endsWith('.env')) },
  { name: 'flannel subnet.env', parse: (t) => parseCniFile('subnet.env', t), seeds: corpus('cni', (f) => f.endsWith('.env')) },
  { name: 'kube-proxy config', parse: (t) => parseKubeProxySource(t, src), seeds: corpus('kube-proxy-config') },
];

/** Deletes, inserts, duplicates or replaces a slice of a real input. */
const mutated = (seeds: string[]) =>
  fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat({ max: 64 }), fc.constantFrom('delete', 'insert', 'duplicate', 'replace'), fc.string({ maxLength: 16 }))
    .map(([s, at, len, op, extra]) => {
      const i = s.length === 0 ? 0 : at % s.length;
      const slice = s.slice(i, i + len);
      if (op === 'delete') return s.slice(0, i) + s.slice(i + len);
      if (op === 'insert') return s.slice(0, i) + extra + s.slice(i);
      if (op === 'duplicate') return s.slice(0, i) + slice + slice + s.slice(i);
      return s.slice(0, i) + extra + s.slice(i + len);
    });

const onlyParseError = (parse: (t: string) => unknown) => (text: string) => {
  try {
    parse(text);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    expect(e.message.length).toBeGreaterThan(0);
  }
};

/** Slow inputs (YAML) need more than the default per-test timeout at CI's 10000 runs. */
const TIMEOUT = Math.max(30_000, FUZZ_RUNS * 40);

describe.each(PARSERS)('$name parser properties', ({ parse, seeds }) => {
  it('has real seeds', () => {
    expect(seeds.length).toBeGreaterThan(0);
    for (const s of seeds) expect(() => parse(s)).not.toThrow();
  });
  it('random text throws nothing but ParseError', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.json()), onlyParseError(parse)), { numRuns: FUZZ_RUNS });
  }, TIMEOUT);
  it('mutated real input throws nothing but ParseError', () => {
    fc.assert(fc.property(mutated(seeds), onlyParseError(parse)), { numRuns: FUZZ_RUNS });
  }, TIMEOUT);
});
