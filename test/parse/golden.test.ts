/**
 * What the parsers read from real dumps, in full, against golden files a person reviewed (test/fixtures/golden/parse/):
 * each example snapshot's node models (every dump a kernel in the lab wrote, built as the trace reads them), every
 * kernel-produced fixture and every corpus file from real clusters. The property, corpus and kernel tests judge what the values mean; this pins all
 * of each value, warnings included, so that a change to how any field is read is a diff to read.
 * `npx vitest run -u test/parse/golden.test.ts` rewrites the files after a deliberate change; review the diff first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { ParseError } from '../../src/util/parse-error.js';
import { parseBridgeFdb } from '../../src/parse/bridge-fdb.js';
import { parseIpNeigh } from '../../src/parse/iproute/neigh.js';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { corpusFiles, readCorpus, REPO_ROOT } from '../support/corpus.js';
import { fixture } from './fixtures.js';

const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'parse');

/** Reads every chain (the parsers translate rules on first use), so the copy holds each rule as the walk sees it. */
function forced<T extends Pick<Ruleset, 'tables'>>(rs: T): T {
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
function lines(value: unknown): string {
  const plain = JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v))) as unknown;
  return layout(plain).join('\n');
}

function outcome(parse: () => unknown): string {
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

describe('every kernel-produced fixture a parser reads matches its golden file', () => {
  for (const [folder, match, parse] of FIXTURES) {
    for (const f of readdirSync(path.join(REPO_ROOT, 'test', 'fixtures', folder)).filter((x) => match.test(x)).sort()) {
      it(`${folder}/${f}`, async () => {
        await expect(`${outcome(() => parse(fixture(folder, f), f))}\n`).toMatchFileSnapshot(path.join(GOLDEN, 'fixtures', folder, `${f}.txt`));
      });
    }
  }
});

describe('every corpus file a parser reads matches its golden file', () => {
  for (const [folder, match, parse] of CORPUS) {
    for (const f of corpusFiles(folder).filter((x) => match.test(x))) {
      it(`${folder}/${f}`, async () => {
        await expect(`${outcome(() => parse(readCorpus(folder, f), f))}\n`).toMatchFileSnapshot(path.join(GOLDEN, folder, `${f}.txt`));
      });
    }
  }
});

const EXAMPLES = readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.snapshot.json')).sort();

describe("every example snapshot's node models match their golden file", () => {
  for (const f of EXAMPLES) {
    it(f, async () => {
      const snap = parseSnapshot(readFileSync(path.join(REPO_ROOT, 'examples', f), 'utf8'), f);
      const models = Object.entries(snap.nodes).map(([name, capture]) => {
        const m = buildNodeModel(name, capture);
        forced(m.ruleset);
        // Each dump's tables are what `ruleset` merges: name them here, show their rules once, there.
        const dumps = m.netfilterDumps?.map((d) => ({ ...d, tables: d.tables.map((t) => `${t.family} ${t.name} (${t.origin})`) }));
        return `## ${name}\n${lines({ ...m, netfilterDumps: dumps })}`;
      });
      await expect(`${models.join('\n\n')}\n`).toMatchFileSnapshot(path.join(GOLDEN, 'nodes', f.replace('.snapshot.json', '.txt')));
    });
  }
});
