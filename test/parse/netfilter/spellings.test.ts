/**
 * iptables accepts each built-in option in a long spelling (`--source`, `--protocol`, `--match`, `--jump` …; iptables(8))
 * and counters as `-c PACKETS BYTES` in a rule as well as the `[PACKETS:BYTES]` prefix iptables-save -c prints
 * (iptables-restore(8)). A rule pasted in any of those spellings is the same rule: every rule of the kernel-produced
 * iptables-save fixtures, respelled, reads to the same expressions, targets and counters.
 */
import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../../src/model/netfilter.js';
import { parseIptablesSave } from '../../../src/parse/netfilter/iptables-save.js';
import { fixture } from '../fixtures.js';

const LONG: Record<string, string> = {
  '-s': '--source',
  '-d': '--destination',
  '-p': '--protocol',
  '-i': '--in-interface',
  '-o': '--out-interface',
  '-f': '--fragment',
  '-m': '--match',
  '-j': '--jump',
  '-g': '--goto',
};
/** The older aliases iptables also takes for addresses. */
const ALIAS: Record<string, string> = { '-s': '--src', '-d': '--dst' };

/** The words of a rule line, quoted strings kept whole (a comment may hold `-s`). */
const words = (line: string): string[] => line.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];

function respell(text: string, names: Record<string, string>): string {
  return text
    .split('\n')
    .map((l) => {
      if (!l.startsWith('-A ')) return l;
      const [a, chain, ...rest] = words(l);
      return [a, chain, ...rest.map((w) => names[w] ?? w)].join(' ');
    })
    .join('\n');
}

/** `[1:2] -A CHAIN rest` → `-A CHAIN -c 1 2 rest`. */
const countersInline = (text: string): string => text.replace(/^\[(\d+):(\d+)\] -A (\S+)/gm, '-A $3 -c $1 $2');

/** What a rule is, without where or how it was written down (an unmodelled part keeps its words verbatim: `text`). */
function meaning(rs: Ruleset): unknown {
  const tables = rs.tables.map((t) => ({
    table: `${t.family} ${t.name}`,
    chains: t.chains.map((c) => ({ name: c.name, base: c.base, rules: c.rules.map(({ exprs, comment }) => ({ exprs, comment })) })),
  }));
  return JSON.parse(JSON.stringify(tables, (k, v: unknown) => (k === 'text' ? undefined : v)));
}

const read = (text: string, family: 'ip' | 'ip6') => parseIptablesSave(text, { source: 'spellings', family, origin: 'iptables-nft' });

const FILES: [string, 'ip' | 'ip6'][] = [
  ['zoo.iptables-save.rules', 'ip'],
  ['more.iptables-save.rules', 'ip'],
  ['ip6.ip6tables-save.rules', 'ip6'],
  ['zoo.iptables-save-c.rules', 'ip'],
];

describe('every rule of the kernel-produced iptables-save fixtures reads the same in every spelling iptables accepts', () => {
  for (const [file, family] of FILES) {
    it(file, () => {
      const text = fixture('netfilter', file);
      const short = read(text, family);
      expect(short.tables.flatMap((t) => t.chains).flatMap((c) => c.rules).length).toBeGreaterThan(5);
      expect(meaning(read(respell(text, LONG), family)), 'long options').toEqual(meaning(short));
      expect(meaning(read(respell(text, ALIAS), family)), '--src/--dst').toEqual(meaning(short));
      if (file.includes('-c')) expect(meaning(read(countersInline(text), family)), '-c PACKETS BYTES').toEqual(meaning(short));
    });
  }
});
