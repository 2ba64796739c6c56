/**
 * Which parser reads which real dump (the kernel-produced fixtures under test/fixtures and the corpus from real
 * clusters), as collect would hand each over, and a plain, diffable text of what it read: the golden and
 * malformed-input tests share them.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Ruleset } from '../../src/model/netfilter.js';
import { parseConntrack } from '../../src/parse/conntrack.js';
import { parseCniFile } from '../../src/parse/cni/config.js';
import { parseIpAddr } from '../../src/parse/iproute/addr.js';
import { parseIpLink } from '../../src/parse/iproute/link.js';
import { parseIpRoute } from '../../src/parse/iproute/route.js';
import { parseIpRule } from '../../src/parse/iproute/rule.js';
import { parseIpvs } from '../../src/parse/ipvs.js';
import { parseKubeProxySource } from '../../src/parse/kube-proxy-config.js';
import { parseIpsetSave } from '../../src/parse/netfilter/ipset.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../src/parse/netfilter/nft-json.js';
import { ParseError } from '../../src/util/parse-error.js';
import { parseBridgeFdb } from '../../src/parse/bridge-fdb.js';
import { parseIpNeigh } from '../../src/parse/iproute/neigh.js';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { corpusFiles, readCorpus, REPO_ROOT } from '../support/corpus.js';
import { fixture } from './fixtures.js';


/** Reads every chain (the parsers translate rules on first use), so the copy holds each rule as the walk sees it. */
export function forced<T extends Pick<Ruleset, 'tables'>>(rs: T): T {
  for (const t of rs.tables) for (const c of t.chains) void c.rules;
  return rs;
}

/** A value that fits on a line stays on one; a longer one breaks into its entries or elements, one per line, indented. */
function layout(v: unknown): string[] {
  const flat = JSON.stringify(v);
  if (flat.length <= 200 || v === null || typeof v !== 'object') return [flat];
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x) => ['-', x]) : Object.entries(v);
  return entries.flatMap(([k, x]) => {
    const sub = layout(x);
    return sub.length === 1 ? [`${k} ${sub[0]}`] : [k, ...sub.map((l) => `  ${l}`)];
  });
}

/** The value as JSON (Maps as objects, Sets as arrays), laid out for a readable diff. */
export function lines(value: unknown): string {
  const plain = JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v))) as unknown;
  return layout(plain).join('\n');
}

export function outcome(parse: () => unknown): string {
  try {
    return lines(parse());
  } catch (e) {
    if (e instanceof ParseError) return `ParseError ${e.line ?? ''}:${e.column ?? ''} ${e.message}`;
    throw e;
  }
}

type Parser = (text: string, file: string) => unknown;
const netfilter = (rs: Ruleset) => ({ tables: forced(rs).tables, warnings: rs.warnings });

/** Which parser reads a corpus file, by folder and file name, as collect would hand it over. */
const CORPUS: [folder: string, match: RegExp, parse: Parser][] = [
  ['iproute', /ip-route/, (t, source) => parseIpRoute(t, { source })],
  ['iproute', /ip-rule/, (t, source) => parseIpRule(t, { source })],
  ['iproute', /ip-addr/, (t, source) => parseIpAddr(t, { source })],
  ['iproute', /ip-link/, (t, source) => parseIpLink(t, { source })],
  ['iptables', /-S-(filter|nat)/, (t, source) => netfilter(parseIptablesSave(t, { source, family: 'ip', origin: 'iptables-nft', table: /-S-(\w+)/.exec(source)![1]!, strict: false }))],
  ['iptables', /\.rules$/, (t, source) => netfilter(parseIptablesSave(t, { source, family: 'ip', origin: 'iptables-nft', strict: !source.includes('FRAGMENT'), ...(source.includes('FRAGMENT') ? { table: 'nat' } : {}) }))],
  ['kernel-redump', /\.rules$/, (t, source) => netfilter(parseIptablesSave(t, { source, family: 'ip', origin: 'iptables-nft' }))],
  ['kernel-redump', /\.nft\.json$/, (t, source) => netfilter(parseNftJson(t, { source }))],
  ['ipvs', /ipvsadm/, (t, source) => parseIpvs(t, { source })],
  ['ipvs', /ipset-save/, (t, source) => parseIpsetSave(t, { source })],
  ['conntrack', /./, (t, source) => parseConntrack(t, { source })],
  ['cni', /./, (t, file) => parseCniFile(file, t)],
  ['kube-proxy-config', /\.yaml$/, (t, source) => parseKubeProxySource(t, { source })],
];

const family = (f: string): 4 | 6 => (f.includes('6') ? 6 : 4);
const iptables = (t: string, source: string) => {
  const sTable = /\.(\w+)\.iptables-S\.txt$/.exec(source)?.[1];
  return netfilter(parseIptablesSave(t, { source, family: source.startsWith('ip6') ? 'ip6' : 'ip', origin: 'iptables-nft', ...(sTable ? { table: sTable } : {}) }));
};

/** The kernel-produced fixtures (test/fixtures/*\/make-fixtures.sh wrote them with the real tools), by file. */
const FIXTURES: [folder: string, match: RegExp, parse: Parser][] = [
  ['iproute', /^route6?\./, (t, source) => parseIpRoute(t, { source, family: family(source) })],
  ['iproute', /^rule6?\./, (t, source) => parseIpRule(t, { source, family: family(source) })],
  ['iproute', /^addr\./, (t, source) => parseIpAddr(t, { source })],
  ['iproute', /^link\./, (t, source) => parseIpLink(t, { source })],
  ['iproute', /^neigh\./, (t, source) => parseIpNeigh(t, { source })],
  ['iproute', /^fdb\./, (t, source) => parseBridgeFdb(t, { source })],
  ['iproute', /^sysctl\./, (t, source) => parseSysctl(t, { source })],
  ['netfilter', /(-save(-c)?\.rules|iptables-S\.txt)$/, iptables],
  ['netfilter', /\.nft\.json$/, (t, source) => netfilter(parseNftJson(t, { source }))],
  ['conntrack', /\.txt$/, (t, source) => parseConntrack(t, { source })],
];


/** One dump a parser reads: where it is, and how to read it. */
export interface Reader {
  /** `fixtures/iproute/route.json`, `corpus/ipvs/…`: also its golden file's name. */
  name: string;
  text: () => string;
  parse: Parser;
  file: string;
}

/** Every fixture and corpus file with the parser that reads it, in a stable order. */
export function readers(): Reader[] {
  const fixtures = FIXTURES.flatMap(([folder, match, parse]) =>
    readdirSync(path.join(REPO_ROOT, 'test', 'fixtures', folder)).filter((x) => match.test(x)).sort().map((f) => ({ name: `fixtures/${folder}/${f}`, file: f, parse, text: () => fixture(folder, f) })),
  );
  const corpus = CORPUS.flatMap(([folder, match, parse]) => corpusFiles(folder).filter((x) => match.test(x)).map((f) => ({ name: `${folder}/${f}`, file: f, parse, text: () => readCorpus(folder, f) })));
  return [...fixtures, ...corpus];
}
